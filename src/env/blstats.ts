/** NLE's blstats layout: 27 fields, in NLE's order (nle/include/nleobs.h). */
export const BL = {
  X: 0,
  Y: 1,
  STR25: 2,
  STR125: 3,
  DEX: 4,
  CON: 5,
  INT: 6,
  WIS: 7,
  CHA: 8,
  SCORE: 9,
  HP: 10,
  HPMAX: 11,
  DEPTH: 12,
  GOLD: 13,
  ENE: 14,
  ENEMAX: 15,
  AC: 16,
  HD: 17, // monster level when polymorphed
  XP: 18, // experience level
  EXP: 19, // experience points
  TIME: 20,
  HUNGER: 21, // hunger state 0..6, see HUNGER
  CAP: 22, // encumbrance 0..5, see ENCUMBRANCE
  DNUM: 23,
  DLEVEL: 24,
  CONDITION: 25, // NLE condition bit mask, see COND
  ALIGN: 26, // -1 chaotic, 0 neutral, 1 lawful
} as const;
export const BLSTATS_SIZE = 27;

/** Hunger states (u.uhs), NetHack's meaning. */
export const HUNGER = {
  SATIATED: 0,
  NOT_HUNGRY: 1,
  HUNGRY: 2,
  WEAK: 3,
  FAINTING: 4,
  FAINTED: 5,
  STARVED: 6,
} as const;

/** Encumbrance (near_capacity()). */
export const ENCUMBRANCE = {
  UNENCUMBERED: 0,
  BURDENED: 1,
  STRESSED: 2,
  STRAINED: 3,
  OVERTAXED: 4,
  OVERLOADED: 5,
} as const;

/** NLE's 13 condition bits (BL_MASK_* of NetHack 3.6). */
export const COND = {
  STONE: 0x1,
  SLIME: 0x2,
  STRNGL: 0x4,
  FOODPOIS: 0x8,
  TERMILL: 0x10,
  BLIND: 0x20,
  DEAF: 0x40,
  STUN: 0x80,
  CONF: 0x100,
  HALLU: 0x200,
  LEV: 0x400,
  FLY: 0x800,
  RIDE: 0x1000,
} as const;
