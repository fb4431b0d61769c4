/** Observation buffers with NLE's names and shapes. Buffers are reused between steps (like NLE's copy=False). */
export const ROWS = 21;
export const COLS = 79;
export const TTY_ROWS = 24;
export const TTY_COLS = 80;
export const MSG_LEN = 256;
export const INV_SLOTS = 55;
export const INV_STR_LEN = 80;

export interface Observation {
  /** 21×79 glyph ids of this build (row-major, y*79 + x); GLYPH_UNEXPLORED where nothing is known. */
  glyphs: Int16Array;
  chars: Uint8Array;
  colors: Uint8Array;
  specials: Uint8Array;
  /** 27 fields, see BL. */
  blstats: Int32Array;
  /** Messages of the last step, NUL-terminated ASCII. */
  message: Uint8Array;
  inv_glyphs: Int16Array;
  inv_letters: Uint8Array;
  inv_oclasses: Uint8Array;
  /** 55×80 NUL-terminated item descriptions. */
  inv_strs: Uint8Array;
  /** 24×80 terminal screen, filled only when the env was created with `tty: true`. */
  tty_chars?: Uint8Array;
  tty_colors?: Int8Array;
  tty_cursor?: Uint8Array;
}

export function allocObservation(tty = false): Observation {
  const obs: Observation = {
    glyphs: new Int16Array(ROWS * COLS),
    chars: new Uint8Array(ROWS * COLS),
    colors: new Uint8Array(ROWS * COLS),
    specials: new Uint8Array(ROWS * COLS),
    blstats: new Int32Array(27),
    message: new Uint8Array(MSG_LEN),
    inv_glyphs: new Int16Array(INV_SLOTS),
    inv_letters: new Uint8Array(INV_SLOTS),
    inv_oclasses: new Uint8Array(INV_SLOTS),
    inv_strs: new Uint8Array(INV_SLOTS * INV_STR_LEN),
  };
  if (tty) {
    obs.tty_chars = new Uint8Array(TTY_ROWS * TTY_COLS);
    obs.tty_colors = new Int8Array(TTY_ROWS * TTY_COLS);
    obs.tty_cursor = new Uint8Array(2);
  }
  return obs;
}

/** Decodes a NUL-terminated ASCII buffer. */
export function decodeCString(buf: Uint8Array, start = 0, maxLen = buf.length - start): string {
  let s = "";
  for (let i = start; i < start + maxLen; i++) {
    const c = buf[i];
    if (c === 0) break;
    s += String.fromCharCode(c);
  }
  return s;
}
