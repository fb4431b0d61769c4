/**
 * Direct reads of `struct you` (the hero) in wasm memory. The address belongs to this exact wasm (found from
 * u_init's `memset(&u, 0, sizeof u)`, a constant in the -O0 code); `checkHeroLayout` compares these reads
 * against the status values the game itself prints, so a different build fails at start, not silently.
 */
import { TedgError } from "../util/index.js";
import type { NetHackGame } from "./engine.js";

export const U_ADDR = 553832;
export const U_SIZE = 1508;
export const U_OFF = {
  ux: 0, // int8
  uy: 1, // int8
  dnum: 10, // int8
  dlevel: 11, // int8
  ulevel: 24, // int32
  uhunger: 76, // int32 nutrition counter
  uhs: 80, // hunger state 0..6
  alignType: 1084, // int8
  uac: 1098, // int8
  uhp: 1104,
  uhpmax: 1108,
  uen: 1112,
  uenmax: 1116,
  umoney0: 1196,
  uexp: 1204,
  urexp: 1208,
} as const;

export class EngineLayoutError extends TedgError {}

export interface HeroState {
  ux: number;
  uy: number;
  dnum: number;
  dlevel: number;
  ulevel: number;
  uhunger: number;
  uhs: number;
  align: number;
  ac: number;
  hp: number;
  hpmax: number;
  en: number;
  enmax: number;
  umoney0: number;
  uexp: number;
  urexp: number;
}

const I32 = (off: number) => (U_ADDR + off) >> 2;
const UX = U_ADDR + U_OFF.ux;
const UY = U_ADDR + U_OFF.uy;
const DNUM = U_ADDR + U_OFF.dnum;
const DLEVEL = U_ADDR + U_OFF.dlevel;
const ALIGN = U_ADDR + U_OFF.alignType;
const UAC = U_ADDR + U_OFF.uac;
const ULEVEL = I32(U_OFF.ulevel);
const UHUNGER = I32(U_OFF.uhunger);
const UHS = I32(U_OFF.uhs);
const UHP = I32(U_OFF.uhp);
const UHPMAX = I32(U_OFF.uhpmax);
const UEN = I32(U_OFF.uen);
const UENMAX = I32(U_OFF.uenmax);
const UMONEY0 = I32(U_OFF.umoney0);
const UEXP = I32(U_OFF.uexp);
const UREXP = I32(U_OFF.urexp);

/** Reads the hero's fields (every step: plain typed-array loads, no allocation). */
export function readHero(game: NetHackGame, out: HeroState): HeroState {
  const h8 = game.heapU8;
  const h32 = game.heap32;
  out.ux = h8[UX];
  out.uy = h8[UY];
  out.dnum = (h8[DNUM] << 24) >> 24;
  out.dlevel = (h8[DLEVEL] << 24) >> 24;
  out.ulevel = h32[ULEVEL];
  out.uhunger = h32[UHUNGER];
  out.uhs = h32[UHS];
  out.align = (h8[ALIGN] << 24) >> 24;
  out.ac = (h8[UAC] << 24) >> 24;
  out.hp = h32[UHP];
  out.hpmax = h32[UHPMAX];
  out.en = h32[UEN];
  out.enmax = h32[UENMAX];
  out.umoney0 = h32[UMONEY0];
  out.uexp = h32[UEXP];
  out.urexp = h32[UREXP];
  return out;
}

export function newHeroState(): HeroState {
  return {
    ux: 0,
    uy: 0,
    dnum: 0,
    dlevel: 0,
    ulevel: 0,
    uhunger: 0,
    uhs: 0,
    align: 0,
    ac: 0,
    hp: 0,
    hpmax: 0,
    en: 0,
    enmax: 0,
    umoney0: 0,
    uexp: 0,
    urexp: 0,
  };
}

/** Compares the memory reads with the game's own status texts at the start of a game. */
export function checkHeroLayout(
  hero: HeroState,
  status: { hp: string; hpmax: string; xl: string; ac: string; ene: string },
): void {
  const problems: string[] = [];
  const cmp = (what: string, mem: number, text: string) => {
    if (text !== "" && Number(text) !== mem)
      problems.push(`${what}: memory ${mem}, status line ${JSON.stringify(text)}`);
  };
  cmp("HP", hero.hp, status.hp);
  cmp("max HP", hero.hpmax, status.hpmax);
  cmp("XL", hero.ulevel, status.xl);
  cmp("AC", hero.ac, status.ac);
  cmp("Pw", hero.en, status.ene);
  if (hero.ux < 1 || hero.ux > 79 || hero.uy < 0 || hero.uy > 20)
    problems.push(`position (${hero.ux}, ${hero.uy}) outside the map`);
  if (hero.uhs < 0 || hero.uhs > 6) problems.push(`hunger state ${hero.uhs} outside 0..6`);
  if (problems.length) {
    throw new EngineLayoutError(
      `the hero struct at ${U_ADDR} does not match this NetHack build (${problems.join("; ")}); the engine package is not the pinned one or the layout changed`,
    );
  }
}
