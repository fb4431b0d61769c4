/** The 24×80 terminal screen: message line, 21 map rows, two status lines (tty layout). */
import { BLF, type WindowPort } from "../nethack/index.js";
import { COLS, ROWS, TTY_COLS, TTY_ROWS, type Observation } from "./observation.js";

const COND_NAMES: Array<[number, string]> = [
  [1 << 20, "Stone"],
  [1 << 18, "Slime"],
  [1 << 21, "Strngl"],
  [1 << 7, "FoodPois"],
  [1 << 24, "TermIll"],
  [1 << 1, "Blind"],
  [1 << 4, "Deaf"],
  [1 << 22, "Stun"],
  [1 << 3, "Conf"],
  [1 << 10, "Hallu"],
  [1 << 14, "Lev"],
  [1 << 6, "Fly"],
  [1 << 16, "Ride"],
];

export function statusLines(port: WindowPort): [string, string] {
  const s = port.status;
  const title = s[BLF.TITLE].trim();
  const line1 = `${title}  St:${s[BLF.STR].trim()} Dx:${s[BLF.DX].trim()} Co:${s[BLF.CO].trim()} In:${s[BLF.IN].trim()} Wi:${s[BLF.WI].trim()} Ch:${s[BLF.CH].trim()} ${s[BLF.ALIGN].trim()}`;
  const gold = s[BLF.GOLD];
  const goldN = gold.slice(gold.lastIndexOf(":") + 1).trim();
  const parts = [
    s[BLF.LEVELDESC].trim(),
    `$:${goldN}`,
    `HP:${s[BLF.HP].trim()}(${s[BLF.HPMAX].trim()})`,
    `Pw:${s[BLF.ENE].trim()}(${s[BLF.ENEMAX].trim()})`,
    `AC:${s[BLF.AC].trim()}`,
    `Xp:${s[BLF.XP].trim()}/${s[BLF.EXP].trim()}`,
    `T:${s[BLF.TIME].trim()}`,
  ];
  if (s[BLF.HUNGER].trim()) parts.push(s[BLF.HUNGER].trim());
  if (s[BLF.CAP].trim()) parts.push(s[BLF.CAP].trim());
  for (const [bit, name] of COND_NAMES) if (port.conditionMask & bit) parts.push(name);
  return [line1, parts.join(" ")];
}

/** Plain-text screen (24 lines of 80 columns). */
export function renderTTY(obs: Observation, port: WindowPort): string {
  const lines: string[] = [];
  lines.push(port.messages.join("  ").slice(0, TTY_COLS).padEnd(TTY_COLS));
  for (let y = 0; y < ROWS; y++) {
    let row = "";
    for (let x = 0; x < COLS; x++) row += String.fromCharCode(obs.chars[y * COLS + x] || 32);
    lines.push(row.padEnd(TTY_COLS));
  }
  const [a, b] = statusLines(port);
  lines.push(a.slice(0, TTY_COLS).padEnd(TTY_COLS), b.slice(0, TTY_COLS).padEnd(TTY_COLS));
  return lines.join("\n");
}

/** Fills tty_chars / tty_colors / tty_cursor. */
export function fillTTY(obs: Observation, port: WindowPort): void {
  const chars = obs.tty_chars!;
  const colors = obs.tty_colors!;
  chars.fill(32);
  colors.fill(0);
  const put = (row: number, text: string, color = 7) => {
    const n = Math.min(text.length, TTY_COLS);
    for (let i = 0; i < n; i++) {
      chars[row * TTY_COLS + i] = text.charCodeAt(i) & 0xff;
      colors[row * TTY_COLS + i] = color;
    }
  };
  put(0, port.messages.join("  "));
  for (let y = 0; y < ROWS; y++) {
    for (let x = 0; x < COLS; x++) {
      const i = y * COLS + x;
      chars[(y + 1) * TTY_COLS + x] = obs.chars[i] || 32;
      colors[(y + 1) * TTY_COLS + x] = obs.colors[i];
    }
  }
  const [a, b] = statusLines(port);
  put(TTY_ROWS - 2, a);
  put(TTY_ROWS - 1, b);
  obs.tty_cursor![0] = port.cursorY + 1;
  obs.tty_cursor![1] = Math.max(0, port.cursorX - 1);
}
