/**
 * Facts read from the message line of one step. The message is the only way to know what lies under the hero
 * (the hero's glyph covers its own square), and it also carries prompts and combat outcomes. Patterns are
 * NetHack's own wording; each fact is a plain substring test on the decoded message.
 */
export const MF = {
  ITEMS_HERE: 0,
  CORPSE_HERE: 1,
  CONTAINER_HERE: 2,
  STAIRS_DOWN_HERE: 3,
  STAIRS_UP_HERE: 4,
  FOUNTAIN_HERE: 5,
  ALTAR_HERE: 6,
  SINK_HERE: 7,
  THRONE_HERE: 8,
  TRAP_HERE: 9,
  PROMPT_YN: 10,
  PROMPT_DIRECTION: 11,
  PROMPT_ITEM: 12,
  REALLY_ATTACK: 13,
  DOOR_LOCKED: 14,
  DOOR_OPENED: 15,
  KICK_DOOR_FAILED: 16,
  HIT_MONSTER: 17,
  KILLED_MONSTER: 18,
  MISSED_MONSTER: 19,
  MONSTER_ATTACKS: 20,
  BLOCKED_MOVE: 21,
  CANT_USE_STAIRS: 22,
  NOTHING_TO_EAT: 23,
  FOUND_HIDDEN: 24,
  TRAP_TRIGGERED: 25,
  LEVEL_UP: 26,
  PET_IN_WAY: 27,
  FINISHED_EATING: 28,
  KICK_HURT: 29,
  CAN_ENHANCE: 30,
} as const;
export const NUM_MESSAGE_FACTS = 31;

const anyOf = (m: string, pats: readonly string[]): boolean => {
  for (const p of pats) if (m.includes(p)) return true;
  return false;
};

const LOOK_HERE = ["You see here", "You feel here", "There is a", "There are"];
const TRAP_WORDS = [
  "trap door",
  "bear trap",
  "shoots out at you",
  "squeaks",
  "cloud of gas",
  "gush of water",
  "KAABLAMM",
  "tower of flame",
  "You fall into",
  "You fall through",
  "spider web",
  "flash of light",
  "rolling boulder",
  "wrenching sensation",
  "A trap",
];
const MONSTER_ATTACK_WORDS = [
  " hits!",
  " bites!",
  " stings!",
  " butts!",
  " kicks!",
  " claws!",
  " misses.",
  " touches you",
];

/** One predicate per fact, in MF order. */
const FACT_TESTS: ReadonlyArray<(m: string) => boolean> = [
  (m) =>
    anyOf(m, [
      "You see here",
      "You feel here",
      "There are several objects here",
      "There are many objects here",
    ]),
  (m) => m.includes("corpse") && (anyOf(m, LOOK_HERE) || m.includes("here; eat it")),
  (m) => anyOf(m, LOOK_HERE) && anyOf(m, [" box", " chest"]),
  (m) => anyOf(m, ["staircase down", "ladder down"]),
  (m) => anyOf(m, ["staircase up", "ladder up"]),
  (m) => m.includes("fountain here"),
  (m) => m.includes("There is an altar"),
  (m) => m.includes("sink here"),
  (m) => m.includes("throne here"),
  (m) => m.includes("There is a") && m.includes(" trap here"),
  (m) => m.includes("[yn"),
  (m) => m.includes("In what direction"),
  (m) => m.includes("What do you want to") && m.includes("["),
  (m) => m.includes("Really attack"),
  (m) => m.includes("This door is locked"),
  (m) => anyOf(m, ["The door opens", "crashes open", "shatters to pieces"]),
  (m) => m.includes("WHAMM"),
  (m) => anyOf(m, ["You hit", "You kick the", "You smite", "You kill", "You destroy"]),
  (m) => anyOf(m, ["You kill", "You destroy", " is killed"]),
  (m) => m.includes("You miss"),
  (m) => anyOf(m, MONSTER_ATTACK_WORDS),
  (m) => anyOf(m, ["It's a wall", "It's solid stone", "You can't move diagonally", "Perhaps that's why"]),
  (m) => anyOf(m, ["You can't go down here", "You can't go up here"]),
  (m) => m.includes("You don't have anything to eat"),
  (m) => m.includes("You find a hidden"),
  (m) => anyOf(m, TRAP_WORDS),
  (m) => m.includes("Welcome to experience level"),
  (m) => anyOf(m, ["You swap places", "You stop.", "is in your way", "You displace"]),
  (m) => anyOf(m, ["You finish eating", "delicious", "hits the spot", "hit the spot"]),
  (m) => anyOf(m, ["Dumb move", "Ouch! That hurts"]),
  (m) => m.includes("You feel more confident in your"),
];
if (FACT_TESTS.length !== NUM_MESSAGE_FACTS) throw new Error("messages.ts: FACT_TESTS out of step with MF");

/** Decodes the NUL-terminated message that starts at `off` (at most `len` bytes). */
export function decodeMessage(buf: Uint8Array, off: number, len: number): string {
  let end = off;
  const stop = off + len;
  while (end < stop && buf[end] !== 0) end++;
  if (end === off) return "";
  // fromCharCode over a subarray is one native call; messages are ASCII.
  return String.fromCharCode.apply(null, buf.subarray(off, end) as unknown as number[]);
}

/** Fills `out[f]` (0/1) for every fact of the message. */
export function messageFacts(message: string, out: Uint8Array): void {
  if (message.length === 0) {
    out.fill(0);
    return;
  }
  for (let f = 0; f < NUM_MESSAGE_FACTS; f++) out[f] = FACT_TESTS[f](message) ? 1 : 0;
}
