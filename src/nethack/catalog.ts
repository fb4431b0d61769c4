/**
 * Monster names of this build, read from the game's own mons[] table in wasm memory, so glyph ids can be
 * named (e.g. the Oracle's glyph) without hard-coding indices that differ between NetHack versions.
 */
import { NUMMONS } from "./glyphs.js";
import { EngineLayoutError } from "./hero.js";
import type { NetHackGame } from "./engine.js";

export interface Catalog {
  monsters: string[];
}

function findCString(h: Uint8Array, s: string, from = 0): number {
  const bytes = Buffer.from(s + "\0", "latin1");
  return Buffer.from(h.buffer, h.byteOffset, h.length).indexOf(bytes, from);
}

function findPointer(h32: Int32Array, value: number, from = 0): number {
  for (let i = from >> 2; i < h32.length; i++) if (h32[i] === value) return i << 2;
  return -1;
}

/**
 * Finds a table of `count` name pointers in memory: entry `k` is `first`, entry `k + 1` is `second`.
 * Strings may exist several times and several tables may point at them, so every candidate is tried.
 */
function readTable(
  game: NetHackGame,
  first: string,
  second: string,
  k: number,
  count: number,
  what: string,
): string[] {
  const h = game.heapU8;
  const h32 = game.heap32;
  for (let a = findCString(h, first); a >= 0; a = findCString(h, first, a + 1)) {
    for (let pa = findPointer(h32, a); pa >= 0; pa = findPointer(h32, a, pa + 4)) {
      for (let stride = 4; stride <= 256; stride += 4) {
        if (game.readString(h32[(pa + stride) >> 2]) !== second) continue;
        const base = pa - k * stride;
        if (base < 0 || base + (count - 1) * stride >= h.length) continue;
        const names: string[] = [];
        for (let i = 0; i < count; i++) names.push(game.readString(h32[(base + i * stride) >> 2]));
        if (names.every((n, i) => i < k || (n.length > 0 && n.length <= 40))) return names;
      }
    }
  }
  throw new EngineLayoutError(`cannot find the ${what} table (entries "${first}", "${second}", …) in memory`);
}

let cached: Catalog | undefined;

export function readCatalog(game: NetHackGame): Catalog {
  if (cached) return cached;
  cached = {
    monsters: readTable(game, "giant ant", "killer bee", 0, NUMMONS, "monster"),
  };
  return cached;
}
