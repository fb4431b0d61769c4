/**
 * The condition registry: every condition label a graph may use, each a named predicate over the
 * per-observation context. Graph files reference conditions by label only; a label without an entry here is a
 * validation error for our format ("no extractor for condition 'x'").
 */
import { COND, ENCUMBRANCE, HUNGER } from "../env/index.js";
import { DIR_NAMES, type ObsContext } from "./context.js";
import { GC } from "./glyph-classes.js";
import { IF } from "./inventory.js";
import { MF } from "./messages.js";

export type ConditionPredicate = (c: ObsContext) => boolean;

export interface ConditionExtractor {
  label: string;
  /** Grouping for docs and stats (status, hunger, surroundings, messages, inventory…). */
  family: string;
  doc: string;
  fn: ConditionPredicate;
}

const list: ConditionExtractor[] = [];
const def = (family: string, label: string, doc: string, fn: ConditionPredicate): void => {
  list.push({ label, family, doc, fn });
};

// ---- shared derived facts -------------------------------------------------------------------------------
/** NetHack's "low hitpoints" major trouble (pray.c): hp ≤ 5 or hp ≤ max/7. */
export const hpCritical = (c: ObsContext): boolean => c.hp > 0 && (c.hp <= 5 || c.hp * 7 <= c.hpmax);
const hpBand = (c: ObsContext, lo3: number, hi3: number): boolean =>
  c.hp > 0 && !hpCritical(c) && c.hp < c.hpmax && c.hp * 3 >= c.hpmax * lo3 && c.hp * 3 < c.hpmax * hi3;
const MAJOR_TROUBLE = COND.STONE | COND.SLIME | COND.STRNGL | COND.FOODPOIS | COND.TERMILL;
const ROOM_LIKE = new Set<number>([
  GC.FLOOR,
  GC.DARK_FLOOR,
  GC.STAIRS_UP,
  GC.STAIRS_DOWN,
  GC.ALTAR,
  GC.FOUNTAIN,
  GC.SINK,
  GC.THRONE,
  GC.GRAVE,
]);
const isDoor = (cls: number): boolean => cls === GC.DOOR_OPEN || cls === GC.DOORWAY;
/** The hero's square is a doorway: known from memory, else walls on two opposite sides. */
export const inDoorway = (c: ObsContext): boolean =>
  c.under !== GC.NOTHING ? isDoor(c.under) : c.wallsOpposite;
/** In a corridor: known from memory, else corridor next to the hero and no room floor. */
export const inCorridor = (c: ObsContext): boolean => {
  if (c.under === GC.CORRIDOR) return true;
  if (ROOM_LIKE.has(c.under) || isDoor(c.under)) return false;
  return c.adj[GC.CORRIDOR] > 0 && c.adj[GC.FLOOR] + c.adj[GC.DARK_FLOOR] === 0 && !c.wallsOpposite;
};
/** In a room: known from memory, else at least two room-floor neighbours and not in a doorway. */
export const inRoom = (c: ObsContext): boolean => {
  if (ROOM_LIKE.has(c.under)) return true;
  if (c.under === GC.CORRIDOR || isDoor(c.under)) return false;
  return c.adj[GC.FLOOR] + c.adj[GC.DARK_FLOOR] >= 2 && !c.wallsOpposite;
};

// ---- status: hit points, power, level, armour, depth, gold ---------------------------------------------------
def("status", "player_alive", "Hit points above zero (true on every live step).", (c) => c.hp > 0);
def("status", "hp_full", "HP at maximum.", (c) => c.hpmax > 0 && c.hp >= c.hpmax);
def("status", "hp_not_full", "HP below maximum (resting helps).", (c) => c.hp > 0 && c.hp < c.hpmax);
def("status", "hp_high", "HP in [2/3, max), not critical.", (c) => hpBand(c, 2, 3));
def("status", "hp_medium", "HP in [1/3, 2/3), not critical.", (c) => hpBand(c, 1, 2));
def("status", "hp_low", "HP below 1/3 of max, not yet critical.", (c) => hpBand(c, 0, 1));
def(
  "status",
  "hp_critical",
  "HP ≤ 5 or ≤ max/7: NetHack's low-HP major trouble (prayer can fix it).",
  hpCritical,
);
def("status", "pw_full", "Power at maximum (maximum above zero).", (c) => c.enemax > 0 && c.ene >= c.enemax);
def(
  "status",
  "pw_medium",
  "Power in [1/3, max).",
  (c) => c.ene < c.enemax && c.ene * 3 >= c.enemax && c.ene > 0,
);
def("status", "pw_low", "Power above zero, below 1/3 of max.", (c) => c.ene > 0 && c.ene * 3 < c.enemax);
def("status", "pw_empty", "No power left.", (c) => c.ene <= 0);
def("status", "xl_1", "Experience level 1.", (c) => c.xl <= 1);
def("status", "xl_2_4", "Experience level 2–4.", (c) => c.xl >= 2 && c.xl <= 4);
def("status", "xl_5_9", "Experience level 5–9.", (c) => c.xl >= 5 && c.xl <= 9);
def("status", "xl_10_14", "Experience level 10–14.", (c) => c.xl >= 10 && c.xl <= 14);
def("status", "xl_15_plus", "Experience level 15 or more.", (c) => c.xl >= 15);
def("status", "ac_poor", "Armour class 7 or worse (higher is worse).", (c) => c.ac >= 7);
def("status", "ac_fair", "Armour class 3–6.", (c) => c.ac >= 3 && c.ac <= 6);
def("status", "ac_good", "Armour class 0–2.", (c) => c.ac >= 0 && c.ac <= 2);
def("status", "ac_excellent", "Armour class below 0.", (c) => c.ac < 0);
def("status", "dlvl_1", "Depth 1.", (c) => c.depth <= 1);
def("status", "dlvl_2_4", "Depth 2–4.", (c) => c.depth >= 2 && c.depth <= 4);
def("status", "dlvl_5_9", "Depth 5–9.", (c) => c.depth >= 5 && c.depth <= 9);
def("status", "dlvl_10_plus", "Depth 10 or deeper.", (c) => c.depth >= 10);
def("status", "in_main_dungeon", "In the Dungeons of Doom (dungeon number 0).", (c) => c.dnum === 0);
def(
  "status",
  "in_branch",
  "In a branch (Gnomish Mines, Sokoban, …): dungeon number ≠ 0.",
  (c) => c.dnum !== 0,
);
def("status", "has_gold", "Carrying gold.", (c) => c.gold > 0);
def("status", "no_gold", "No gold.", (c) => c.gold <= 0);
def(
  "status",
  "gold_100_plus",
  "At least 100 gold (enough to buy something, pay a priest…).",
  (c) => c.gold >= 100,
);

// ---- hunger (blstats HUNGER is the 0–6 state u.uhs, not a nutrition counter) -----------------------------
const HUNGER_DOCS: Record<keyof typeof HUNGER, string> = {
  SATIATED: "Satiated: eating more risks choking.",
  NOT_HUNGRY: "Not hungry (no status shown).",
  HUNGRY: "Hungry: time to eat.",
  WEAK: "Weak from hunger: a major trouble, prayer can fix it.",
  FAINTING: "Fainting: the hero passes out now and then.",
  FAINTED: "Fainted (helpless).",
  STARVED: "Starved (dies).",
};
for (const [name, v] of Object.entries(HUNGER) as [keyof typeof HUNGER, number][]) {
  def("hunger", `hunger_${name.toLowerCase()}`, HUNGER_DOCS[name], (c) => c.hunger === v);
}
def("hunger", "hunger_needs_food", "Hungry or worse (state ≥ Hungry).", (c) => c.hunger >= HUNGER.HUNGRY);

// ---- encumbrance -----------------------------------------------------------------------------------------
for (const [name, v] of Object.entries(ENCUMBRANCE) as [string, number][]) {
  def(
    "encumbrance",
    `enc_${name.toLowerCase()}`,
    `Encumbrance ${name.toLowerCase()} (${v}).`,
    (c) => c.cap === v,
  );
}
def("encumbrance", "encumbered", "Burdened or worse: slower, dropping things helps.", (c) => c.cap >= 1);

// ---- the 13 status-condition bits ------------------------------------------------------------------------
const CONDITION_LABELS: [string, number, string][] = [
  ["stoned", COND.STONE, "Turning to stone (major trouble)."],
  ["slimed", COND.SLIME, "Turning into green slime (major trouble)."],
  ["strangled", COND.STRNGL, "Being strangled (major trouble)."],
  ["food_poisoned", COND.FOODPOIS, "Food poisoning (major trouble)."],
  ["terminally_ill", COND.TERMILL, "Terminally ill (major trouble)."],
  ["blind", COND.BLIND, "Blind: the map stops updating."],
  ["deaf", COND.DEAF, "Deaf."],
  ["stunned", COND.STUN, "Stunned: moves go in random directions."],
  ["confused", COND.CONF, "Confused: moves and reading go astray."],
  ["hallucinating", COND.HALLU, "Hallucinating: monster and object glyphs are random."],
  ["levitating", COND.LEV, "Levitating: cannot pick up or use stairs; floats over water."],
  ["flying", COND.FLY, "Flying."],
  ["riding", COND.RIDE, "Riding a steed."],
];
for (const [label, bit, doc] of CONDITION_LABELS) def("condition", label, doc, (c) => (c.cond & bit) !== 0);
def(
  "condition",
  "in_major_trouble",
  "A major trouble prayer fixes: stoned, slimed, strangled, food poisoned, ill, critical HP or weak from hunger.",
  (c) => (c.cond & MAJOR_TROUBLE) !== 0 || hpCritical(c) || c.hunger >= HUNGER.WEAK,
);

// ---- monsters (the hero's own square never counts; pets are not monsters to fight) --------------------------
def(
  "monsters",
  "monster_adjacent",
  "A non-pet monster (or sensed/engulfing one) next to the hero.",
  (c) => c.hostileAdj > 0,
);
def(
  "monsters",
  "monsters_adjacent_many",
  "Two or more non-pet monsters next to the hero.",
  (c) => c.hostileAdj >= 2,
);
def("monsters", "monster_near", "A non-pet monster within 3 squares.", (c) => c.hostileNear > 0);
def(
  "monsters",
  "monster_near_not_adjacent",
  "A monster within 3 squares but none adjacent.",
  (c) => c.hostileNear > 0 && c.hostileAdj === 0,
);
def("monsters", "monster_visible", "A non-pet monster anywhere on the map.", (c) => c.hostileVis > 0);
def(
  "monsters",
  "monsters_visible_many",
  "Three or more non-pet monsters on the map.",
  (c) => c.hostileVis >= 3,
);
DIR_NAMES.forEach((d, k) => {
  def(
    "monsters",
    `monster_${d}`,
    `A non-pet monster in direction ${d.toUpperCase()}.`,
    (c) => c.nbClass[k] === GC.MONSTER || c.nbClass[k] === GC.SENSED || c.nbClass[k] === GC.ENGULF,
  );
});
def("monsters", "pet_adjacent", "The hero's pet is next to the hero.", (c) => c.adj[GC.PET] > 0);
def("monsters", "pet_visible", "The hero's pet is on the map.", (c) => c.vis[GC.PET] > 0);
def(
  "monsters",
  "invisible_adjacent",
  "A remembered unseen monster ('I') next to the hero.",
  (c) => c.adj[GC.INVISIBLE] > 0,
);
def("monsters", "engulfed", "The hero is inside an engulfing monster.", (c) => c.adj[GC.ENGULF] > 0);
def(
  "monsters",
  "peaceful_attack_prompt",
  '"Really attack …?": a peaceful monster is where the hero moved.',
  (c) => c.msg[MF.REALLY_ATTACK] === 1,
);

// ---- stairs and dungeon features ----------------------------------------------------------------------------
const STAIRS_DOC =
  " Known from the message line or, with an ExtractionMemory, from the square's glyph before the hero stepped on it.";
def(
  "features",
  "on_stairs_down",
  "Standing on stairs or a ladder down." + STAIRS_DOC,
  (c) => c.msg[MF.STAIRS_DOWN_HERE] === 1 || c.under === GC.STAIRS_DOWN,
);
def(
  "features",
  "on_stairs_up",
  "Standing on stairs or a ladder up." + STAIRS_DOC,
  (c) => c.msg[MF.STAIRS_UP_HERE] === 1 || c.under === GC.STAIRS_UP,
);
def(
  "features",
  "can_climb_up",
  "On stairs up that do not lead out of the dungeon (depth > 1): climbing from level 1 ends the game.",
  (c) => c.depth > 1 && (c.msg[MF.STAIRS_UP_HERE] === 1 || c.under === GC.STAIRS_UP),
);
def(
  "features",
  "stairs_down_visible",
  "Stairs or a ladder down on the map.",
  (c) => c.vis[GC.STAIRS_DOWN] > 0,
);
def("features", "stairs_up_visible", "Stairs or a ladder up on the map.", (c) => c.vis[GC.STAIRS_UP] > 0);
def("features", "stairs_down_adjacent", "Stairs down next to the hero.", (c) => c.adj[GC.STAIRS_DOWN] > 0);
def(
  "features",
  "on_fountain",
  "Standing on a fountain.",
  (c) => c.msg[MF.FOUNTAIN_HERE] === 1 || c.under === GC.FOUNTAIN,
);
def(
  "features",
  "on_altar",
  "Standing on an altar.",
  (c) => c.msg[MF.ALTAR_HERE] === 1 || c.under === GC.ALTAR,
);
def("features", "on_sink", "Standing on a sink.", (c) => c.msg[MF.SINK_HERE] === 1 || c.under === GC.SINK);
def(
  "features",
  "on_throne",
  "Standing on a throne.",
  (c) => c.msg[MF.THRONE_HERE] === 1 || c.under === GC.THRONE,
);
def(
  "features",
  "on_trap",
  "Standing on a known trap.",
  (c) => c.msg[MF.TRAP_HERE] === 1 || c.under === GC.TRAP,
);
def("features", "fountain_visible", "A fountain on the map.", (c) => c.vis[GC.FOUNTAIN] > 0);
def("features", "altar_visible", "An altar on the map.", (c) => c.vis[GC.ALTAR] > 0);
def("features", "sink_visible", "A sink on the map.", (c) => c.vis[GC.SINK] > 0);
def("features", "throne_visible", "A throne on the map.", (c) => c.vis[GC.THRONE] > 0);
def("features", "grave_visible", "A grave on the map.", (c) => c.vis[GC.GRAVE] > 0);
def("features", "trap_adjacent", "A known trap next to the hero.", (c) => c.adj[GC.TRAP] > 0);
def("features", "trap_visible", "A known trap on the map.", (c) => c.vis[GC.TRAP] > 0);
def("features", "water_adjacent", "Water (pool, moat) next to the hero.", (c) => c.adj[GC.WATER] > 0);
def("features", "lava_adjacent", "Lava next to the hero.", (c) => c.adj[GC.LAVA] > 0);

// ---- doors (wall corners are walls, never doors) ----------------------------------------------------------
def("doors", "door_closed_adjacent", "A closed door next to the hero.", (c) => c.adj[GC.DOOR_CLOSED] > 0);
def("doors", "door_open_adjacent", "An open door next to the hero.", (c) => c.adj[GC.DOOR_OPEN] > 0);
def(
  "doors",
  "doorway_adjacent",
  "A doorless or broken doorway next to the hero.",
  (c) => c.adj[GC.DOORWAY] > 0,
);
def("doors", "door_closed_visible", "A closed door on the map.", (c) => c.vis[GC.DOOR_CLOSED] > 0);
for (let k = 0; k < 4; k++) {
  const d = DIR_NAMES[k];
  def(
    "doors",
    `door_closed_${d}`,
    `A closed door in direction ${d.toUpperCase()} (moving there opens it).`,
    (c) => c.nbClass[k] === GC.DOOR_CLOSED,
  );
}
def("doors", "in_doorway", "Standing in a doorway (memory, else walls on two opposite sides).", inDoorway);
def("doors", "door_locked_message", '"This door is locked."', (c) => c.msg[MF.DOOR_LOCKED] === 1);

// ---- layout and movement ----------------------------------------------------------------------------------
def(
  "layout",
  "in_corridor",
  "In a corridor (memory, else corridor next to the hero and no room floor).",
  inCorridor,
);
def("layout", "in_room", "In a room (memory, else ≥2 room-floor neighbours, not a doorway).", inRoom);
def(
  "layout",
  "in_dark_room",
  "In a room with unlit floor within 2 squares.",
  (c) => inRoom(c) && c.darkNear > 0,
);
def(
  "layout",
  "dead_end",
  "In a corridor with exactly one square to move to: search for hidden passages.",
  (c) => c.movableDirs === 1 && inCorridor(c),
);
def("layout", "narrow_passage", "Exactly two squares to move to.", (c) => c.movableDirs === 2);
def("layout", "open_area", "Six or more squares to move to.", (c) => c.movableDirs >= 6);
def("layout", "boxed_in", "No square to move to (closed doors, walls, water…).", (c) => c.movableDirs === 0);
def("layout", "unexplored_adjacent", "An unexplored square next to the hero.", (c) => c.unexploredAdj > 0);
def(
  "layout",
  "frontier_near",
  "Known ground next to unexplored space within 3 squares (including the hero's).",
  (c) => c.frontierNear === 1,
);
def(
  "layout",
  "frontier_exists",
  "Known ground next to unexplored space somewhere on the map.",
  (c) => c.frontierAny === 1,
);
def(
  "layout",
  "boulder_adjacent",
  "A boulder next to the hero (a move pushes it).",
  (c) => c.adj[GC.BOULDER] > 0,
);
def("layout", "boulder_visible", "A boulder on the map.", (c) => c.vis[GC.BOULDER] > 0);
DIR_NAMES.forEach((d, k) => {
  def(
    "movement",
    `can_move_${d}`,
    `A move ${d.toUpperCase()} is carried out (walk, push, attack or swap), by what the map shows.`,
    (c) => c.canMove[k] === 1,
  );
});
DIR_NAMES.forEach((d, k) => {
  def(
    "movement",
    `blocked_${d}`,
    `Wall, rock, bars, tree or the map edge in direction ${d.toUpperCase()}.`,
    (c) => c.blocked[k] === 1,
  );
});

// ---- items on the map (objects only: pets, boulders and statues are not items) ------------------------------
def(
  "items",
  "items_here",
  'Objects under the hero ("You see here …", "There are several objects here.").',
  (c) => c.msg[MF.ITEMS_HERE] === 1 || c.msg[MF.CORPSE_HERE] === 1,
);
def(
  "items",
  "corpse_here",
  "A corpse under the hero (from the message).",
  (c) => c.msg[MF.CORPSE_HERE] === 1,
);
def(
  "items",
  "container_here",
  "A box or chest under the hero (from the message).",
  (c) => c.msg[MF.CONTAINER_HERE] === 1,
);
def("items", "item_adjacent", "An object next to the hero.", (c) => c.itemAdj > 0);
def("items", "item_visible", "An object on the map.", (c) => c.itemVis > 0);
def("items", "corpse_adjacent", "A corpse next to the hero.", (c) => c.adj[GC.CORPSE] > 0);
def("items", "food_visible", "Food or a corpse on the map.", (c) => c.foodVis > 0);
def("items", "gold_visible", "Gold on the map.", (c) => c.goldVis > 0);
def("items", "gold_adjacent", "Gold next to the hero.", (c) => c.goldAdj > 0);

// ---- messages and prompts ----------------------------------------------------------------------------------
def("messages", "message_shown", "The step produced a message.", (c) => c.message.length > 0);
def(
  "messages",
  "prompt_yes_no",
  "A yes/no question is pending (y = action 8, n = action 6).",
  (c) => c.msg[MF.PROMPT_YN] === 1,
);
def(
  "messages",
  "prompt_direction",
  '"In what direction?" is pending.',
  (c) => c.msg[MF.PROMPT_DIRECTION] === 1,
);
def(
  "messages",
  "prompt_item",
  '"What do you want to …? [letters]" is pending (Enter cancels).',
  (c) => c.msg[MF.PROMPT_ITEM] === 1,
);
def("messages", "door_opened_message", "A door was opened or broken.", (c) => c.msg[MF.DOOR_OPENED] === 1);
def("messages", "kick_door_failed", '"WHAMM!!": the door held.', (c) => c.msg[MF.KICK_DOOR_FAILED] === 1);
def("messages", "hit_monster", "The hero hit or killed something.", (c) => c.msg[MF.HIT_MONSTER] === 1);
def("messages", "killed_monster", "The hero killed something.", (c) => c.msg[MF.KILLED_MONSTER] === 1);
def("messages", "missed_monster", "The hero missed.", (c) => c.msg[MF.MISSED_MONSTER] === 1);
def(
  "messages",
  "monster_attacked",
  "A monster attacked the hero (hit or miss).",
  (c) => c.msg[MF.MONSTER_ATTACKS] === 1,
);
def(
  "messages",
  "move_blocked_message",
  'The last move was refused ("It\'s a wall.", no diagonal through a doorway…).',
  (c) => c.msg[MF.BLOCKED_MOVE] === 1,
);
def(
  "messages",
  "cant_use_stairs_message",
  '"You can\'t go down/up here."',
  (c) => c.msg[MF.CANT_USE_STAIRS] === 1,
);
def(
  "messages",
  "nothing_to_eat_message",
  '"You don\'t have anything to eat."',
  (c) => c.msg[MF.NOTHING_TO_EAT] === 1,
);
def(
  "messages",
  "found_hidden_message",
  "A search found a hidden passage or door.",
  (c) => c.msg[MF.FOUND_HIDDEN] === 1,
);
def(
  "messages",
  "trap_triggered_message",
  "A trap went off on the hero.",
  (c) => c.msg[MF.TRAP_TRIGGERED] === 1,
);
def("messages", "level_up_message", '"Welcome to experience level …"', (c) => c.msg[MF.LEVEL_UP] === 1);
def(
  "messages",
  "pet_in_way_message",
  "The pet was swapped with or blocked the move.",
  (c) => c.msg[MF.PET_IN_WAY] === 1,
);
def("messages", "finished_eating_message", "A meal was finished.", (c) => c.msg[MF.FINISHED_EATING] === 1);
def(
  "messages",
  "kick_hurt_message",
  'Kicking hurt the hero ("Dumb move!", "Ouch!").',
  (c) => c.msg[MF.KICK_HURT] === 1,
);
def(
  "messages",
  "can_enhance_message",
  '"You feel more confident in your … skills."',
  (c) => c.msg[MF.CAN_ENHANCE] === 1,
);

// ---- inventory ----------------------------------------------------------------------------------------------
const INV: [string, number, string][] = [
  ["has_food", IF.FOOD, "Food in the inventory."],
  ["has_weapon", IF.WEAPON, "A weapon in the inventory."],
  ["has_armor", IF.ARMOR, "Armour in the inventory (worn or not)."],
  ["has_ring", IF.RING, "A ring in the inventory."],
  ["has_amulet", IF.AMULET, "An amulet in the inventory."],
  ["has_tool", IF.TOOL, "A tool in the inventory."],
  ["has_potion", IF.POTION, "A potion in the inventory."],
  ["has_scroll", IF.SCROLL, "A scroll in the inventory."],
  ["has_spellbook", IF.SPELLBOOK, "A spellbook in the inventory."],
  ["has_wand", IF.WAND, "A wand in the inventory."],
  ["has_gem", IF.GEM, "A gem or rock in the inventory."],
  ["wielding_weapon", IF.WIELDING, 'A weapon is wielded ("(weapon in hand)").'],
  ["has_unwielded_weapon", IF.UNWIELDED_WEAPON, "A weapon that is not wielded."],
  ["wearing_armor", IF.WEARING_ARMOR, "Armour being worn."],
  ["has_unworn_armor", IF.UNWORN_ARMOR, "Armour carried but not worn."],
  ["wearing_accessory", IF.WEARING_ACCESSORY, "A ring or amulet being worn."],
  ["has_unworn_accessory", IF.UNWORN_ACCESSORY, "A ring or amulet carried but not worn."],
  ["inventory_nearly_full", IF.NEARLY_FULL, "48 or more inventory letters used."],
  ["inventory_empty", IF.EMPTY, "Nothing in the inventory."],
];
for (const [label, f, doc] of INV) def("inventory", label, doc, (c) => c.inv[f] === 1);

// ---- registry ---------------------------------------------------------------------------------------------
const registry = new Map<string, ConditionExtractor>();
for (const e of list) {
  if (registry.has(e.label)) throw new Error(`extractors.ts: condition '${e.label}' defined twice`);
  registry.set(e.label, e);
}

/** Every condition label this build can compute, in registry order. */
export const CONDITION_EXTRACTORS: readonly string[] = list.map((e) => e.label);

export function getExtractor(label: string): ConditionExtractor | undefined {
  return registry.get(label);
}

export function allExtractors(): readonly ConditionExtractor[] {
  return list;
}
