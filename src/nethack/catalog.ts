/**
 * Tables of this build read from the game's own memory: monster names (mons[]), object names (obj_descr[]) and
 * the extended commands (extcmdlist[]), so glyph ids and commands can be named without hard-coding indices
 * that differ between NetHack versions. The tables are static data of the wasm, so they are read once per
 * thread.
 */
import { NUMMONS, NUM_OBJECTS } from "./glyphs.js";
import { EngineLayoutError } from "./hero.js";
import type { NetHackGame } from "./engine.js";

/** An extended command (`#name`) of this build: its index in extcmdlist[] is what get_ext_cmd returns. */
export interface ExtCommand {
  name: string;
  /** The key bound to it (0 if none), e.g. 0x80|'p' for pray. */
  key: number;
  /** IFBURIED | AUTOCOMPLETE | WIZMODECMD | GENERALCMD | CMD_NOT_AVAILABLE bits (see EXT_FLAG). */
  flags: number;
}

/** Flag bits of struct ext_func_tab (include/func_tab.h; the same values in 3.6 and 3.7). */
export const EXT_FLAG = {
  IFBURIED: 0x01,
  AUTOCOMPLETE: 0x02,
  WIZMODECMD: 0x04,
  GENERALCMD: 0x08,
  CMD_NOT_AVAILABLE: 0x10,
} as const;

export interface Catalog {
  /** NUMMONS monster names, by monster index (glyph = GLYPH_MON_OFF + index). */
  monsters: string[];
  /** NUM_OBJECTS object names by object index ("" where the name is NULL: extra scroll labels, wand kinds). */
  objects: string[];
  extCommands: ExtCommand[];
}

function findCString(h: Uint8Array, s: string, from = 0): number {
  const bytes = Buffer.from(s + "\0", "latin1");
  return Buffer.from(h.buffer, h.byteOffset, h.length).indexOf(bytes, from);
}

function findPointer(h32: Int32Array, value: number, from = 0): number {
  for (let i = from >> 2; i < h32.length; i++) if (h32[i] === value) return i << 2;
  return -1;
}

/** Every address holding a pointer to the C string `s`. */
function* pointersTo(game: NetHackGame, s: string): Generator<number> {
  for (let a = findCString(game.heapU8, s); a >= 0; a = findCString(game.heapU8, s, a + 1)) {
    for (let pa = findPointer(game.heap32, a); pa >= 0; pa = findPointer(game.heap32, a, pa + 4)) yield pa;
  }
}

/**
 * Finds a table of `count` name pointers in memory: entry `k` is `first`, entry `k + 1` is `second`.
 * Strings may exist several times and several tables may point at them, so every candidate is tried; the
 * first (lowest) string and table win, which is the compiled-in table rather than a runtime copy.
 */
function readTable(
  game: NetHackGame,
  first: string,
  second: string,
  k: number,
  count: number,
  what: string,
  allowNull = false,
): string[] {
  const h = game.heapU8;
  const h32 = game.heap32;
  for (const pa of pointersTo(game, first)) {
    for (let stride = 4; stride <= 256; stride += 4) {
      if (game.readString(h32[(pa + stride) >> 2]) !== second) continue;
      const base = pa - k * stride;
      if (base < 0 || base + (count - 1) * stride >= h.length) continue;
      const names: string[] = [];
      for (let i = 0; i < count; i++) names.push(game.readString(h32[(base + i * stride) >> 2]));
      const ok = (n: string, i: number) => i < k || (n.length <= 60 && (allowNull || n.length > 0));
      if (names.every(ok)) return names;
    }
  }
  throw new EngineLayoutError(`cannot find the ${what} table (entries "${first}", "${second}", …) in memory`);
}

/** struct ext_func_tab on wasm32: uchar key; char *ef_txt, *ef_desc; int (*ef_funct)(); int flags; char *f_text. */
const EXT_STRIDE = 24;
const EXT_NAME = 4;
const EXT_FLAGS = 16;

function readExtCommands(game: NetHackGame): ExtCommand[] {
  const h32 = game.heap32;
  const name = (entry: number) => game.readString(h32[(entry + EXT_NAME) >> 2]);
  // The list starts with "#" and "?" (list extended commands), then "adjust" (3.6 and 3.7 alike).
  for (const pa of pointersTo(game, "adjust")) {
    const base = pa - EXT_NAME - 2 * EXT_STRIDE;
    if (base < 0 || name(base) !== "#" || name(base + EXT_STRIDE) !== "?") continue;
    const out: ExtCommand[] = [];
    for (let e = base; h32[(e + EXT_NAME) >> 2] !== 0 && out.length < 500; e += EXT_STRIDE) {
      out.push({ name: name(e), key: game.heapU8[e], flags: h32[(e + EXT_FLAGS) >> 2] });
    }
    if (out.some((c) => c.name === "pray")) return out;
  }
  throw new EngineLayoutError("cannot find the extended command table (extcmdlist) in memory");
}

// Each table is searched for once per thread, when first needed (a search scans the 16 MB memory).
let monsters: string[] | undefined;
let objects: string[] | undefined;
let extCommands: ExtCommand[] | undefined;

export function readMonsterNames(game: NetHackGame): string[] {
  return (monsters ??= readTable(game, "giant ant", "killer bee", 0, NUMMONS, "monster"));
}

export function readObjectNames(game: NetHackGame): string[] {
  return (objects ??= readTable(game, "strange object", "arrow", 0, NUM_OBJECTS, "object", true));
}

export function readExtCommandList(game: NetHackGame): ExtCommand[] {
  return (extCommands ??= readExtCommands(game));
}

export function readCatalog(game: NetHackGame): Catalog {
  return {
    monsters: readMonsterNames(game),
    objects: readObjectNames(game),
    extCommands: readExtCommandList(game),
  };
}
