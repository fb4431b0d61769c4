/**
 * NetHackEnv: one NLE-compatible environment over the real game (NetHack 3.7 in wasm), driven synchronously.
 * Observation buffers are reused between steps (like NLE with copy=False): copy what you keep.
 */
import { InvalidArgumentError, StateError, Rng } from "../util/index.js";
import {
  loadAssets,
  type WasmVariant,
  NetHackGame,
  WindowPort,
  BLF,
  CONSUMED,
  readHero,
  newHeroState,
  checkHeroLayout,
  type HeroState,
  readMonsterNames,
  GLYPH_MON_OFF,
} from "../nethack/index.js";
import { actionSet } from "./actions.js";
import { BL, COND } from "./blstats.js";
import { characterOptions, parseCharacter } from "./character.js";
import { allocObservation, MSG_LEN, INV_SLOTS, INV_STR_LEN, type Observation } from "./observation.js";
import { renderTTY, fillTTY } from "./render.js";
import { checkTask, makeTask, petAdjacent, type Task, type TaskContext } from "./tasks.js";
import type { Env, EnvOptions, ResetResult, StepInfo, StepResult } from "./types.js";

/** The fixed game clock: 2020-09-13 12:26:40 UTC, no full moon, not Friday 13th. */
export const FIXED_TIME = 1600000000;
export const DEFAULT_CHARACTER = "mon-hum-neu-mal";
export const DEFAULT_MAX_EPISODE_STEPS = 5000;

const BASE_OPTIONS = [
  "color",
  "showexp",
  "time",
  "autopickup",
  'pickup_types:$?!/="+',
  "pickup_burden:unencumbered",
  "nobones",
  "nolegacy",
  "nocmdassist",
  "disclose:-i -a -v -g -c -o",
  "runmode:teleport",
  "mention_walls",
  "nosparkle",
  "perm_invent",
  "!splash_screen",
  "!news",
  "name:Agent",
];

/** 3.7's alphabetical BL_MASK bits → NLE's 13 condition bits. */
const COND_MAP: Array<[number, number]> = [
  [1 << 20, COND.STONE],
  [1 << 18, COND.SLIME],
  [1 << 21, COND.STRNGL],
  [1 << 7, COND.FOODPOIS],
  [1 << 24, COND.TERMILL],
  [1 << 1, COND.BLIND],
  [1 << 4, COND.DEAF],
  [1 << 22, COND.STUN],
  [1 << 3, COND.CONF],
  [1 << 10, COND.HALLU],
  [1 << 14, COND.LEV],
  [1 << 6, COND.FLY],
  [1 << 16, COND.RIDE],
];

const CAP_NAMES = ["", "Burdened", "Stressed", "Strained", "Overtaxed", "Overloaded"];

export interface NetHackEnvOptions extends EnvOptions {
  /** Seed of the env's own seed stream, used when reset() is called without a seed. */
  seed?: number;
  /** "optimized" (default) or "original" wasm. */
  wasm?: WasmVariant;
  /** Blocking text windows wait for a key (default: dismissed automatically). */
  autoMore?: boolean;
}

export function checkSeed(seed: unknown): number {
  if (typeof seed !== "number" || !Number.isSafeInteger(seed) || seed < 0) {
    throw new InvalidArgumentError("seed", seed, "a non-negative safe integer");
  }
  return seed;
}

/** Splits an episode seed into the game's core and display RNG seeds (31 bits each). */
export function gameSeeds(seed: number): { core: number; disp: number } {
  const r = new Rng(seed);
  return { core: r.nextU32() >>> 1 || 1, disp: r.nextU32() >>> 1 || 1 };
}

const KNOWN_OPTIONS = new Set([
  "task",
  "actions",
  "character",
  "maxEpisodeSteps",
  "tty",
  "penaltyStep",
  "seed",
  "wasm",
  "autoMore",
]);

/** Observation fields parsed from the status texts (the rest of blstats comes from the hero struct). */
interface StatusValues {
  str25: number;
  str125: number;
  dex: number;
  con: number;
  int: number;
  wis: number;
  cha: number;
  depth: number;
  gold: number;
  hd: number;
  time: number;
  cap: number;
  condition: number;
}

export class NetHackEnv implements Env {
  readonly numActions: number;
  readonly actionKeys: readonly number[];
  readonly obs: Observation;
  readonly maxEpisodeSteps: number;
  private readonly port: WindowPort;
  private game: NetHackGame | null = null;
  private readonly task: Task;
  private readonly usesPet: boolean;
  private readonly seedRng: Rng;
  private readonly characterSpec: string;
  private readonly hero: HeroState = newHeroState();
  private readonly prevBlstats = new Int32Array(27);
  private readonly opts: NetHackEnvOptions;
  private episodeStep = 0;
  private episodeSeed = 0;
  private ended = true;
  private deepest = 1;
  private lastInventory: unknown = null;
  private oracleGlyph = -1;
  private prevNutrition = 0;
  /** Bytes of obs.message currently non-zero (so an empty step clears only those). */
  private messageLen = 0;
  private readonly sv: StatusValues = {
    str25: 0,
    str125: 0,
    dex: 0,
    con: 0,
    int: 0,
    wis: 0,
    cha: 0,
    depth: 0,
    gold: 0,
    hd: 0,
    time: 0,
    cap: 0,
    condition: 0,
  };
  private readonly ctx: TaskContext;
  private readonly encoder = new TextEncoder();

  /**
   * `buffers` lets the observation live in memory the caller owns (VecEnv passes views of its shared batch, so
   * steps need no copy); missing fields are allocated.
   */
  constructor(opts: NetHackEnvOptions = {}, buffers?: Partial<Observation>) {
    for (const key of Object.keys(opts)) {
      if (!KNOWN_OPTIONS.has(key))
        throw new InvalidArgumentError("env option", key, `one of ${[...KNOWN_OPTIONS].join(", ")}`);
    }
    this.opts = opts;
    const task = checkTask(opts.task ?? "score");
    this.actionKeys = actionSet(opts.actions ?? (task === "challenge" ? "full" : "score"));
    this.numActions = this.actionKeys.length;
    const max = opts.maxEpisodeSteps ?? DEFAULT_MAX_EPISODE_STEPS;
    if (!Number.isSafeInteger(max) || max < 1)
      throw new InvalidArgumentError("maxEpisodeSteps", max, "a positive integer");
    this.maxEpisodeSteps = max;
    const penalty = opts.penaltyStep ?? -0.01;
    if (typeof penalty !== "number" || !Number.isFinite(penalty))
      throw new InvalidArgumentError("penaltyStep", penalty, "a finite number");
    this.task = makeTask(task, penalty);
    this.usesPet = task === "pet";
    this.characterSpec = opts.character ?? (task === "challenge" ? "@" : DEFAULT_CHARACTER);
    if (this.characterSpec !== "@") parseCharacter(this.characterSpec);
    this.seedRng = new Rng(checkSeed(opts.seed ?? 0));
    this.obs = { ...allocObservation(opts.tty ?? false), ...buffers };
    // The window port draws the map straight into the observation (no copy per step).
    this.port = new WindowPort({ autoMore: opts.autoMore }, this.obs);
    this.ctx = {
      prevBlstats: this.prevBlstats,
      obs: this.obs,
      descended: false,
      petWasAdjacent: false,
      prevNutrition: 0,
      nutrition: 0,
      oracleGlyph: -1,
    };
  }

  get seed(): number {
    return this.episodeSeed;
  }

  get done(): boolean {
    return this.ended;
  }

  /** The running game (for tools that read more of its state). */
  get rawGame(): NetHackGame | null {
    return this.game;
  }

  /** Messages of the last step. */
  get messages(): readonly string[] {
    return this.port.messages;
  }

  reset(opts: { seed?: number } = {}): ResetResult {
    const seed = opts.seed === undefined ? Math.floor(this.seedRng.next() * 2 ** 31) : checkSeed(opts.seed);
    this.episodeSeed = seed;
    const assets = loadAssets(this.opts.wasm ?? "optimized");
    const { core, disp } = gameSeeds(seed);
    const character = parseCharacter(this.characterSpec, new Rng(seed));
    this.port.reset();
    this.game = new NetHackGame(assets, this.port);
    this.game.start({
      options: [...BASE_OPTIONS, characterOptions(character)].join(","),
      coreSeed: core,
      dispSeed: disp,
      fixedTime: FIXED_TIME,
    });
    if (this.game.error || this.game.done) {
      throw new StateError(
        `NetHack failed to start (seed ${seed}): ${this.game.error?.message ?? "exited"} ${this.game.stderr.join(" | ")}`,
      );
    }
    if (this.oracleGlyph < 0) {
      const idx = readMonsterNames(this.game).indexOf("Oracle");
      this.oracleGlyph = idx >= 0 ? GLYPH_MON_OFF + idx : -1;
    }
    this.episodeStep = 0;
    this.ended = false;
    this.deepest = 1;
    this.lastInventory = null;
    this.obs.message.fill(0);
    this.messageLen = 0;
    this.readHeroChecked();
    this.updateObservation();
    this.prevNutrition = this.hero.uhunger;
    this.task.reset(this.obs);
    return { obs: this.obs, info: this.info() };
  }

  private readHeroChecked(): void {
    readHero(this.game!, this.hero);
    const s = this.port.status;
    checkHeroLayout(this.hero, {
      hp: s[BLF.HP],
      hpmax: s[BLF.HPMAX],
      xl: s[BLF.XP],
      ac: s[BLF.AC],
      ene: s[BLF.ENE],
    });
  }

  step(action: number): StepResult {
    if (this.ended || !this.game) {
      throw new StateError(
        this.game ? "step() after the episode ended: call reset() first" : "step() before reset()",
      );
    }
    if (!Number.isInteger(action) || action < 0 || action >= this.numActions) {
      throw new InvalidArgumentError("action", action, `an integer in [0, ${this.numActions - 1}]`);
    }
    const game = this.game;
    const key = this.actionKeys[action];
    this.prevBlstats.set(this.obs.blstats);
    const petWasAdjacent = this.usesPet && petAdjacent(this.obs);
    const depthBefore = this.obs.blstats[BL.DEPTH];
    this.port.beginStep();
    const value = this.port.feed(key);
    if (value !== CONSUMED) game.resume(value);
    this.episodeStep++;
    const info = this.info();
    if (!game.done) readHero(game, this.hero);
    this.updateObservation();
    const ctx = this.ctx; // reused: tasks read it during the call only
    ctx.descended = this.obs.blstats[BL.DEPTH] > depthBefore && key === 62;
    ctx.petWasAdjacent = petWasAdjacent;
    ctx.prevNutrition = this.prevNutrition;
    ctx.nutrition = this.hero.uhunger;
    ctx.oracleGlyph = this.oracleGlyph;
    const reward = this.task.reward(ctx);
    this.prevNutrition = this.hero.uhunger;
    let terminated = false;
    if (game.error) {
      terminated = false;
      info.endReason = "crash";
      info.error = game.error.message;
    } else if (game.done) {
      terminated = true;
      Object.assign(info, this.endOfGame());
    } else if (this.task.succeeded(ctx)) {
      terminated = true;
      info.endReason = "task_success";
    }
    const truncated = !terminated && (info.endReason === "crash" || this.episodeStep >= this.maxEpisodeSteps);
    if (truncated && !info.endReason) info.endReason = "max_steps";
    if (terminated || truncated) this.ended = true;
    return { obs: this.obs, reward, terminated, truncated, info };
  }

  private info(): StepInfo {
    return { episodeStep: this.episodeStep, seed: this.episodeSeed };
  }

  /** Why the game ended, from the xlogfile entry NetHack wrote (death text such as "killed by a jackal"). */
  private endOfGame(): { endReason: string; deathCause?: string } {
    let death = "";
    try {
      const fs = (
        this.game!.mod as unknown as { FS: { readFile(p: string, o: { encoding: "utf8" }): string } }
      ).FS;
      const lines = fs.readFile("/xlogfile", { encoding: "utf8" }).trim().split("\n");
      const last = lines[lines.length - 1] ?? "";
      for (const field of last.split("\t")) if (field.startsWith("death=")) death = field.slice(6);
    } catch {
      /* no xlogfile entry: fall through */
    }
    if (death === "quit") return { endReason: "quit" };
    if (death.startsWith("escaped")) return { endReason: "escaped", deathCause: death };
    if (death === "ascended") return { endReason: "ascended" };
    return { endReason: "death", deathCause: death || undefined };
  }

  /** Re-parses the status texts the game changed since the last call (most steps change only T:). */
  private parseStatus(): void {
    const dirty = this.port.statusDirty;
    if (dirty === 0) return;
    this.port.statusDirty = 0;
    const s = this.port.status;
    const v = this.sv;
    const changed = (f: number) => (dirty & (1 << f)) !== 0;
    if (changed(BLF.STR)) [v.str25, v.str125] = parseStrength(s[BLF.STR]);
    if (changed(BLF.DX)) v.dex = toInt(s[BLF.DX]);
    if (changed(BLF.CO)) v.con = toInt(s[BLF.CO]);
    if (changed(BLF.IN)) v.int = toInt(s[BLF.IN]);
    if (changed(BLF.WI)) v.wis = toInt(s[BLF.WI]);
    if (changed(BLF.CH)) v.cha = toInt(s[BLF.CH]);
    if (changed(BLF.LEVELDESC)) v.depth = parseDepth(s[BLF.LEVELDESC], v.depth);
    if (changed(BLF.GOLD)) v.gold = parseGold(s[BLF.GOLD]);
    if (changed(BLF.HD)) v.hd = toInt(s[BLF.HD]);
    if (changed(BLF.TIME)) v.time = toInt(s[BLF.TIME]);
    if (changed(BLF.CAP)) v.cap = Math.max(0, CAP_NAMES.indexOf(s[BLF.CAP].trim()));
    if (changed(BLF.CONDITION)) {
      let cond = 0;
      const m = this.port.conditionMask;
      for (const [from, to] of COND_MAP) if (m & from) cond |= to;
      v.condition = cond;
    }
  }

  private updateObservation(): void {
    this.parseStatus();
    const b = this.obs.blstats;
    const h = this.hero;
    const v = this.sv;
    b[BL.X] = h.ux - 1;
    b[BL.Y] = h.uy;
    b[BL.STR25] = v.str25;
    b[BL.STR125] = v.str125;
    b[BL.DEX] = v.dex;
    b[BL.CON] = v.con;
    b[BL.INT] = v.int;
    b[BL.WIS] = v.wis;
    b[BL.CHA] = v.cha;
    b[BL.HP] = h.hp;
    b[BL.HPMAX] = h.hpmax;
    b[BL.DEPTH] = v.depth;
    if (v.depth > this.deepest) this.deepest = v.depth;
    b[BL.GOLD] = v.gold;
    b[BL.ENE] = h.en;
    b[BL.ENEMAX] = h.enmax;
    b[BL.AC] = h.ac;
    b[BL.HD] = v.hd;
    b[BL.XP] = h.ulevel;
    b[BL.EXP] = h.uexp;
    b[BL.TIME] = v.time;
    b[BL.HUNGER] = h.uhs;
    b[BL.CAP] = v.cap;
    b[BL.DNUM] = h.dnum;
    b[BL.DLEVEL] = h.dlevel;
    b[BL.CONDITION] = v.condition;
    b[BL.ALIGN] = h.align;
    b[BL.SCORE] = botlScore(v.gold, h.umoney0, h.urexp, this.deepest);
    this.writeMessage();
    if (this.port.inventory !== this.lastInventory) this.writeInventory();
    if (this.obs.tty_chars) fillTTY(this.obs, this.port);
  }

  /** The step's messages joined by two spaces, NUL-terminated (UTF-8, as TextEncoder would write it). */
  private writeMessage(): void {
    const msg = this.obs.message;
    const msgs = this.port.messages;
    const old = this.messageLen;
    if (msgs.length === 0) {
      if (old) msg.fill(0, 0, old);
      this.messageLen = 0;
      return;
    }
    const text = msgs.length === 1 ? msgs[0] : msgs.join("  ");
    const n = Math.min(text.length, MSG_LEN - 1);
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c > 0x7f) {
        // Rare non-ASCII text: let the encoder produce the multi-byte sequences.
        const bytes = this.encoder.encode(text).subarray(0, MSG_LEN - 1);
        msg.fill(0);
        msg.set(bytes);
        this.messageLen = bytes.length;
        return;
      }
      msg[i] = c;
    }
    if (n < old) msg.fill(0, n, old);
    this.messageLen = n;
  }

  private writeInventory(): void {
    const inv = this.port.inventory;
    this.lastInventory = inv;
    const o = this.obs;
    o.inv_glyphs.fill(0);
    o.inv_letters.fill(0);
    o.inv_oclasses.fill(18); // MAXOCLASSES: empty slot, as in NLE
    o.inv_strs.fill(0);
    const n = Math.min(inv.length, INV_SLOTS);
    for (let i = 0; i < n; i++) {
      const it = inv[i];
      o.inv_glyphs[i] = it.glyph;
      o.inv_letters[i] = it.letter;
      o.inv_oclasses[i] = it.oclass;
      const bytes = this.encoder.encode(it.text);
      o.inv_strs.set(bytes.subarray(0, INV_STR_LEN - 1), i * INV_STR_LEN);
    }
    for (let i = n; i < INV_SLOTS; i++) o.inv_glyphs[i] = 5976; // NLE's NO_GLYPH
  }

  render(): string {
    return renderTTY(this.obs, this.port);
  }

  close(): void {
    this.game = null;
    this.ended = true;
  }
}

function toInt(s: string): number {
  const n = parseInt(s, 10);
  return Number.isFinite(n) ? n : 0;
}

/** "18/xx" → 18+xx (str125) ; str25 is NetHack's ACURRSTR. */
export function parseStrength(s: string): [number, number] {
  const t = s.trim();
  let str125: number;
  if (t.startsWith("18/")) {
    const rest = t.slice(3);
    str125 = rest === "**" ? 118 : 18 + toInt(rest);
  } else {
    const v = toInt(t);
    str125 = v > 18 ? v + 100 : v; // 19..25 are stored as 119..125
  }
  let str25: number;
  if (str125 <= 18) str25 = str125;
  else if (str125 <= 121) str25 = 19 + Math.floor(str125 / 50);
  else str25 = str125 - 100;
  return [str25, str125];
}

function parseDepth(desc: string, prev: number): number {
  const m = /(\d+)\s*$/.exec(desc);
  if (!m) return prev || 1;
  return Number(m[1]);
}

/** BL_GOLD text is "\G<hex glyph>:N" (with a glyph prefix) or "$:N". */
function parseGold(s: string): number {
  const i = s.lastIndexOf(":");
  return i >= 0 ? toInt(s.slice(i + 1)) : toInt(s);
}

/** NetHack's botl_score(): gold gained + experience + 50 per level below 1 + deep-level bonus. */
export function botlScore(gold: number, umoney0: number, urexp: number, deepest: number): number {
  let total = Math.max(0, gold - umoney0);
  total += urexp + 50 * (deepest - 1);
  if (deepest > 20) total += 1000 * (deepest > 30 ? 10 : deepest - 20);
  return total;
}
