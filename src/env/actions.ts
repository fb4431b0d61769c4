/**
 * Action sets with NLE's order. An action is an index into a set; its value is the key sent to the game.
 * Meta keys are 0x80|c and control keys 0x1f&c, as in NLE.
 */
import { InvalidArgumentError } from "../util/index.js";
import type { ActionSetName } from "./types.js";

const k = (c: string) => c.charCodeAt(0);
export const M = (c: string) => 0x80 | k(c);
export const C = (c: string) => 0x1f & k(c);

const COMPASS = ["k", "l", "j", "h", "u", "n", "b", "y"].map(k);
const COMPASS_LONG = ["K", "L", "J", "H", "U", "N", "B", "Y"].map(k);

/** NLE's NetHackScore TASK_ACTIONS: MORE, 8 compass, 8 long compass, <, >, ., kick, eat, search. */
export const SCORE_ACTIONS: readonly number[] = [
  13,
  ...COMPASS,
  ...COMPASS_LONG,
  k("<"),
  k(">"),
  k("."),
  C("d"),
  k("e"),
  k("s"),
];

export const SCORE_ACTION_NAMES: readonly string[] = [
  "MORE",
  "N",
  "E",
  "S",
  "W",
  "NE",
  "SE",
  "SW",
  "NW",
  "FAR_N",
  "FAR_E",
  "FAR_S",
  "FAR_W",
  "FAR_NE",
  "FAR_SE",
  "FAR_SW",
  "FAR_NW",
  "UP",
  "DOWN",
  "WAIT",
  "KICK",
  "EAT",
  "SEARCH",
];

/**
 * NLE's full ACTIONS (121): compass(8), long compass(8), misc directions (< > .), MORE, 85 commands, 16 text
 * characters; `+`, `"` and `$` appear twice, as in NLE.
 */
export const FULL_ACTIONS: readonly number[] = [
  ...COMPASS,
  ...COMPASS_LONG,
  k("<"),
  k(">"),
  k("."),
  13,
  k("#"),
  M("?"),
  M("a"),
  M("A"),
  k("a"),
  C("x"),
  k("@"),
  k("C"),
  k("Z"),
  M("c"),
  k("c"),
  M("C"),
  M("d"),
  k("d"),
  k("D"),
  k("e"),
  k("E"),
  M("e"),
  27,
  k("F"),
  k("f"),
  M("f"),
  k(";"),
  k("V"),
  k("i"),
  k("I"),
  M("i"),
  M("j"),
  C("d"),
  k("\\"),
  k("`"),
  k(":"),
  M("l"),
  M("m"),
  k("m"),
  k("M"),
  M("o"),
  k("o"),
  k("O"),
  C("o"),
  k("p"),
  k(","),
  M("p"),
  k("P"),
  k("q"),
  M("q"),
  k("Q"),
  k("r"),
  C("r"),
  k("R"),
  M("R"),
  M("r"),
  k("g"),
  k("G"),
  k("S"),
  k("s"),
  k("*"),
  k('"'),
  k("["),
  k("$"),
  k("="),
  k("+"),
  k("("),
  k("^"),
  k(")"),
  k("!"),
  M("s"),
  k("x"),
  k("T"),
  k("A"),
  C("t"),
  k("t"),
  M("T"),
  k("_"),
  M("t"),
  k("X"),
  M("u"),
  M("v"),
  k("v"),
  k("W"),
  k("&"),
  k("/"),
  k("w"),
  M("w"),
  k("z"),
  k("+"),
  k("-"),
  k(" "),
  k("'"),
  k('"'),
  ..."0123456789".split("").map(k),
  k("$"),
];

export function actionSet(name: ActionSetName): readonly number[] {
  if (name === "score") return SCORE_ACTIONS;
  if (name === "full") return FULL_ACTIONS;
  throw new InvalidArgumentError("action set", name, '"score" or "full"');
}

/** Human-readable name of a key (for rendering and replays). */
export function keyName(key: number): string {
  if (key === 13) return "Enter";
  if (key === 27) return "Esc";
  if (key === 32) return "Space";
  if (key & 0x80) return "M-" + String.fromCharCode(key & 0x7f);
  if (key < 32) return "^" + String.fromCharCode(key + 64);
  return String.fromCharCode(key);
}
