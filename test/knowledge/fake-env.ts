/**
 * A tiny grid world behind the Env interface, for testing the miner without the real game: one lit room with
 * stairs down, a food item in the inventory, hunger that eating fixes and any other action brings back.
 */
import { BL, HUNGER } from "../../src/env/blstats.js";
import { allocObservation, COLS, INV_STR_LEN, type Observation } from "../../src/env/observation.js";
import type { Env, ResetResult, StepResult } from "../../src/env/types.js";
import { GLYPH_CMAP_OFF, GLYPH_MON_OFF, GLYPH_UNEXPLORED, OCLASS, S } from "../../src/nethack/glyphs.js";
import { SCORE_ACTION_KEYS } from "../../src/knowledge/index.js";
import { Rng } from "../../src/util/rng.js";

const X0 = 10,
  Y0 = 5,
  X1 = 20,
  Y1 = 9; // room floor
const STAIRS: [number, number] = [15, 7];
const DX = [0, 1, 0, -1, 1, 1, -1, -1];
const DY = [-1, 0, 1, 0, -1, 1, 1, -1];

export class FakeEnv implements Env {
  readonly numActions = 23;
  readonly actionKeys = SCORE_ACTION_KEYS;
  private readonly obs: Observation = allocObservation();
  private rng = new Rng(0);
  private x = 12;
  private y = 6;
  private depth = 1;
  private time = 1;
  private hunger: number = HUNGER.HUNGRY;
  private steps = 0;
  private seed = 0;
  private message = "";
  closed = false;

  constructor(private readonly maxSteps = 200) {}

  reset(opts: { seed?: number } = {}): ResetResult {
    this.seed = opts.seed ?? 0;
    this.rng = new Rng(this.seed);
    do {
      this.x = X0 + this.rng.int(X1 - X0 + 1);
      this.y = Y0 + this.rng.int(Y1 - Y0 + 1);
    } while (this.x === STAIRS[0] && this.y === STAIRS[1]);
    this.depth = 1;
    this.time = 1;
    this.hunger = HUNGER.HUNGRY;
    this.steps = 0;
    this.message = "";
    this.render_();
    return { obs: this.obs, info: { episodeStep: 0, seed: this.seed } };
  }

  step(action: number): StepResult {
    this.steps++;
    this.time++;
    this.message = "";
    if (action >= 1 && action <= 16) {
      const d = (action - 1) % 8;
      const reach = action <= 8 ? 1 : 10;
      let moved = false;
      for (let k = 0; k < reach; k++) {
        const nx = this.x + DX[d];
        const ny = this.y + DY[d];
        if (nx < X0 || nx > X1 || ny < Y0 || ny > Y1) break;
        this.x = nx;
        this.y = ny;
        moved = true;
      }
      if (!moved) this.message = "It's a wall.";
      else if (this.x === STAIRS[0] && this.y === STAIRS[1]) this.message = "There is a staircase down here.";
    } else if (action === 18) {
      if (this.x === STAIRS[0] && this.y === STAIRS[1]) {
        this.depth++;
        this.x = X0;
        this.y = Y0;
      } else this.message = "You can't go down here.";
    }
    this.hunger = action === 21 ? HUNGER.NOT_HUNGRY : HUNGER.HUNGRY;
    if (action === 21) this.message = "You finish eating the food ration.";
    this.render_();
    const terminated = this.depth >= 4;
    const truncated = !terminated && this.steps >= this.maxSteps;
    return {
      obs: this.obs,
      reward: 0,
      terminated,
      truncated,
      info: { episodeStep: this.steps, seed: this.seed },
    };
  }

  render(): string {
    return "";
  }

  close(): void {
    this.closed = true;
  }

  private render_(): void {
    const o = this.obs;
    o.glyphs.fill(GLYPH_UNEXPLORED);
    o.chars.fill(32);
    const put = (x: number, y: number, s: number): void => {
      o.glyphs[y * COLS + x] = GLYPH_CMAP_OFF + s;
      o.chars[y * COLS + x] = 46;
    };
    for (let y = Y0 - 1; y <= Y1 + 1; y++) {
      for (let x = X0 - 1; x <= X1 + 1; x++) {
        const edgeX = x === X0 - 1 || x === X1 + 1;
        const edgeY = y === Y0 - 1 || y === Y1 + 1;
        put(x, y, edgeX && edgeY ? S.tlcorn : edgeX ? S.vwall : edgeY ? S.hwall : S.room);
      }
    }
    put(STAIRS[0], STAIRS[1], S.dnstair);
    if (this.depth > 1) put(X0, Y0, S.upstair);
    o.glyphs[this.y * COLS + this.x] = GLYPH_MON_OFF + 330;
    const b = o.blstats;
    b.fill(0);
    b[BL.X] = this.x;
    b[BL.Y] = this.y;
    b[BL.HP] = 14;
    b[BL.HPMAX] = 14;
    b[BL.DEPTH] = this.depth;
    b[BL.DLEVEL] = this.depth;
    b[BL.XP] = 1;
    b[BL.AC] = 4;
    b[BL.TIME] = this.time;
    b[BL.HUNGER] = this.hunger;
    o.message.fill(0);
    for (let i = 0; i < this.message.length; i++) o.message[i] = this.message.charCodeAt(i);
    o.inv_letters.fill(0);
    o.inv_letters[0] = "d".charCodeAt(0);
    o.inv_oclasses[0] = OCLASS.FOOD;
    const text = "2 food rations";
    o.inv_strs.fill(0, 0, INV_STR_LEN);
    for (let i = 0; i < text.length; i++) o.inv_strs[i] = text.charCodeAt(i);
  }
}
