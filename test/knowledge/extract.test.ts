import { test } from "node:test";
import assert from "node:assert/strict";
import { BL, COND, HUNGER } from "../../src/env/blstats.js";
import { GLYPH_INVIS_OFF, GLYPH_STATUE_OFF, GLYPH_SWALLOW_OFF, OCLASS, S } from "../../src/nethack/glyphs.js";
import {
  CONDITION_EXTRACTORS,
  ExtractionMemory,
  GLYPH_BOULDER,
  loadBuiltinGraph,
} from "../../src/knowledge/index.js";
import {
  addItem,
  blankObs,
  cmap,
  CORPSE,
  HERO,
  MONSTER,
  moveHero,
  near,
  OBJECT,
  onLabels,
  onWithPrefix,
  PET,
  put,
  room,
  setMessage,
} from "./helpers.js";

const graph = loadBuiltinGraph();

test("the hero's own glyph is never a monster", () => {
  const o = blankObs();
  room(o, 35, 7, 45, 13);
  const on = onLabels(o, graph);
  for (const l of ["monster_adjacent", "monster_near", "monster_visible", "monsters_visible_many"])
    assert.ok(!on.has(l), l);
  for (const d of ["n", "e", "s", "w", "ne", "se", "sw", "nw"]) assert.ok(!on.has(`monster_${d}`));
  // The hero glyph is a monster glyph: a second hero-looking glyph elsewhere is a monster.
  put(o, 36, 8, HERO, "@");
  assert.ok(onLabels(o, graph).has("monster_visible"));
});

test("monsters: adjacent, per direction, near, visible, many", () => {
  const o = blankObs();
  room(o, 30, 5, 50, 15);
  near(o, 0, -1, MONSTER, "d"); // N
  let on = onLabels(o, graph);
  assert.deepEqual(
    onWithPrefix(o, graph, "monster_").filter((l) => l.length <= 10),
    ["monster_n"],
  );
  assert.ok(on.has("monster_adjacent") && on.has("monster_near") && on.has("monster_visible"));
  assert.ok(!on.has("monsters_adjacent_many") && !on.has("monster_near_not_adjacent"));
  assert.ok(on.has("can_move_n"), "moving into a monster attacks it");
  near(o, 1, 1, MONSTER, "d"); // SE
  on = onLabels(o, graph);
  assert.ok(on.has("monster_se") && on.has("monsters_adjacent_many"));
  // One monster 3 squares away, none adjacent.
  const p = blankObs();
  room(p, 30, 5, 50, 15);
  near(p, 4, 0, MONSTER, "d");
  on = onLabels(p, graph);
  assert.ok(on.has("monster_visible") && !on.has("monster_near"), "4 squares is not near");
  near(p, 3, 0, MONSTER, "d");
  on = onLabels(p, graph);
  assert.ok(on.has("monster_near") && on.has("monster_near_not_adjacent") && !on.has("monster_adjacent"));
  near(p, 6, 0, MONSTER, "d");
  near(p, -8, 2, MONSTER, "d");
  on = onLabels(p, graph);
  assert.ok(on.has("monsters_visible_many"));
});

test("pets are pets: not monsters to fight and not items", () => {
  const o = blankObs();
  room(o, 30, 5, 50, 15);
  near(o, 1, 0, PET, "f");
  const on = onLabels(o, graph);
  assert.ok(on.has("pet_adjacent") && on.has("pet_visible"));
  for (const l of ["monster_adjacent", "monster_e", "monster_visible", "item_adjacent", "item_visible"])
    assert.ok(!on.has(l), l);
  assert.ok(on.has("can_move_e"), "moving into the pet swaps places");
});

test("invisible marker, sensed monsters and engulfing", () => {
  const o = blankObs();
  room(o, 30, 5, 50, 15);
  near(o, -1, 0, GLYPH_INVIS_OFF, "I");
  let on = onLabels(o, graph);
  assert.ok(on.has("invisible_adjacent") && !on.has("monster_adjacent"));
  const e = blankObs();
  for (let d = 0; d < 8; d++) {
    const dx = [0, 1, 0, -1, 1, 1, -1, -1][d];
    const dy = [-1, 0, 1, 0, -1, 1, 1, -1][d];
    near(e, dx, dy, GLYPH_SWALLOW_OFF + d, "/");
  }
  on = onLabels(e, graph);
  assert.ok(on.has("engulfed") && on.has("monster_adjacent"));
});

test("wall corners are walls, never doors; door kinds are told apart", () => {
  const o = blankObs({ x: 30, y: 5 });
  room(o, 30, 5, 40, 10); // the hero in the top-left corner of the floor: tlcorn at NW
  let on = onLabels(o, graph);
  for (const l of ["door_closed_adjacent", "door_open_adjacent", "doorway_adjacent", "door_closed_visible"])
    assert.ok(!on.has(l), l);
  assert.ok(
    on.has("blocked_nw") &&
      on.has("blocked_n") &&
      on.has("blocked_w") &&
      on.has("blocked_ne") &&
      on.has("blocked_sw"),
  );
  assert.ok(!on.has("can_move_nw") && !on.has("can_move_n") && !on.has("can_move_w"));
  assert.ok(on.has("can_move_e") && on.has("can_move_se") && on.has("can_move_s"));
  // Every corner symbol, placed all around: still no door.
  const c = blankObs();
  for (const [dx, dy, s] of [
    [-1, -1, S.tlcorn],
    [1, -1, S.trcorn],
    [-1, 1, S.blcorn],
    [1, 1, S.brcorn],
    [0, -1, S.crwall],
    [0, 1, S.tuwall],
    [-1, 0, S.tlwall],
    [1, 0, S.trwall],
  ]) {
    near(c, dx, dy, cmap(s), "-");
  }
  on = onLabels(c, graph);
  assert.ok(!on.has("door_closed_adjacent") && !on.has("door_open_adjacent") && !on.has("doorway_adjacent"));
  assert.ok(on.has("boxed_in"));

  const d = blankObs();
  room(d, 30, 5, 50, 15);
  near(d, 1, 0, cmap(S.vcdoor), "+"); // closed door E
  near(d, 1, -1, cmap(S.hodoor), "|"); // open door NE
  near(d, 1, 1, cmap(S.ndoor), "."); // doorless doorway SE
  on = onLabels(d, graph);
  assert.ok(on.has("door_closed_adjacent") && on.has("door_closed_e") && on.has("door_closed_visible"));
  assert.ok(!on.has("can_move_e"), "a closed door is opened, not entered");
  assert.ok(on.has("door_open_adjacent") && !on.has("can_move_ne"), "no diagonal move into an open door");
  assert.ok(on.has("doorway_adjacent") && on.has("can_move_se"), "a doorless doorway allows diagonals");
  assert.deepEqual(
    onWithPrefix(d, graph, "door_closed_").filter((l) => l.length <= 15),
    ["door_closed_e"],
  );
});

test("hunger is the 0..6 state, one label each", () => {
  const names = ["satiated", "not_hungry", "hungry", "weak", "fainting", "fainted", "starved"];
  for (let h = 0; h <= 6; h++) {
    const o = blankObs();
    o.blstats[BL.HUNGER] = h;
    const on = onWithPrefix(o, graph, "hunger_");
    const want = [`hunger_${names[h]}`];
    if (h >= HUNGER.HUNGRY) want.push("hunger_needs_food");
    assert.deepEqual(on, want.sort(), `state ${h}`);
  }
  const o = blankObs();
  o.blstats[BL.HUNGER] = HUNGER.WEAK;
  assert.ok(onLabels(o, graph).has("in_major_trouble"));
});

test("hit point bands follow hand-computed thresholds", () => {
  const band = (hp: number, hpmax: number): string[] =>
    onWithPrefix(blankObs({ hp, hpmax }), graph, "hp_").filter((l) => l !== "hp_not_full");
  assert.deepEqual(band(30, 30), ["hp_full"]);
  assert.deepEqual(band(25, 30), ["hp_high"]); // 75 ≥ 60
  assert.deepEqual(band(20, 30), ["hp_high"]); // 60 ≥ 60
  assert.deepEqual(band(19, 30), ["hp_medium"]); // 57 < 60, ≥ 30
  assert.deepEqual(band(10, 30), ["hp_medium"]); // 30 ≥ 30
  assert.deepEqual(band(9, 30), ["hp_low"]); // 27 < 30, 9 > 5, 63 > 30
  assert.deepEqual(band(5, 30), ["hp_critical"]); // ≤ 5
  assert.deepEqual(band(10, 70), ["hp_critical"]); // 70 ≤ 70
  assert.deepEqual(band(11, 70), ["hp_low"]); // 77 > 70, 33 < 70
  assert.ok(!onLabels(blankObs({ hp: 30, hpmax: 30 }), graph).has("hp_not_full"));
  assert.ok(onLabels(blankObs({ hp: 29, hpmax: 30 }), graph).has("hp_not_full"));
});

test("power, level, armour class, depth, branch and gold bands", () => {
  const o = blankObs();
  const b = o.blstats;
  const on = (prefix: string) => onWithPrefix(o, graph, prefix);
  b[BL.ENE] = 0;
  b[BL.ENEMAX] = 9;
  assert.deepEqual(on("pw_"), ["pw_empty"]);
  b[BL.ENE] = 2;
  assert.deepEqual(on("pw_"), ["pw_low"]); // 6 < 9
  b[BL.ENE] = 3;
  assert.deepEqual(on("pw_"), ["pw_medium"]);
  b[BL.ENE] = 9;
  assert.deepEqual(on("pw_"), ["pw_full"]);
  for (const [xl, label] of [
    [1, "xl_1"],
    [4, "xl_2_4"],
    [5, "xl_5_9"],
    [14, "xl_10_14"],
    [30, "xl_15_plus"],
  ] as const) {
    b[BL.XP] = xl;
    assert.deepEqual(on("xl_"), [label]);
  }
  for (const [ac, label] of [
    [10, "ac_poor"],
    [7, "ac_poor"],
    [6, "ac_fair"],
    [3, "ac_fair"],
    [2, "ac_good"],
    [0, "ac_good"],
    [-1, "ac_excellent"],
  ] as const) {
    b[BL.AC] = ac;
    assert.deepEqual(on("ac_"), [label]);
  }
  for (const [d, label] of [
    [1, "dlvl_1"],
    [2, "dlvl_2_4"],
    [9, "dlvl_5_9"],
    [12, "dlvl_10_plus"],
  ] as const) {
    b[BL.DEPTH] = d;
    assert.deepEqual(on("dlvl_"), [label]);
  }
  b[BL.DNUM] = 2;
  assert.ok(onLabels(o, graph).has("in_branch") && !onLabels(o, graph).has("in_main_dungeon"));
  b[BL.GOLD] = 0;
  assert.deepEqual(on("gold_").concat(on("has_gold"), on("no_gold")), ["no_gold"]);
  b[BL.GOLD] = 150;
  assert.deepEqual(on("gold_").concat(on("has_gold"), on("no_gold")), ["gold_100_plus", "has_gold"]);
});

test("each of the 13 condition bits sets exactly its label; encumbrance levels", () => {
  const labels: [number, string][] = [
    [COND.STONE, "stoned"],
    [COND.SLIME, "slimed"],
    [COND.STRNGL, "strangled"],
    [COND.FOODPOIS, "food_poisoned"],
    [COND.TERMILL, "terminally_ill"],
    [COND.BLIND, "blind"],
    [COND.DEAF, "deaf"],
    [COND.STUN, "stunned"],
    [COND.CONF, "confused"],
    [COND.HALLU, "hallucinating"],
    [COND.LEV, "levitating"],
    [COND.FLY, "flying"],
    [COND.RIDE, "riding"],
  ];
  const all = labels.map(([, l]) => l);
  for (const [bit, label] of labels) {
    const o = blankObs();
    o.blstats[BL.CONDITION] = bit;
    const on = onLabels(o, graph);
    assert.deepEqual(
      all.filter((l) => on.has(l)),
      [label],
    );
    assert.equal(on.has("in_major_trouble"), bit <= COND.TERMILL, label);
  }
  const enc = ["unencumbered", "burdened", "stressed", "strained", "overtaxed", "overloaded"];
  for (let c = 0; c <= 5; c++) {
    const o = blankObs();
    o.blstats[BL.CAP] = c;
    assert.deepEqual(onWithPrefix(o, graph, "enc_"), [`enc_${enc[c]}`]);
    assert.equal(onLabels(o, graph).has("encumbered"), c >= 1);
  }
});

test("stairs: visible, adjacent, and under the hero from the message", () => {
  const o = blankObs();
  room(o, 30, 5, 50, 15);
  put(o, 45, 12, cmap(S.dnstair), ">");
  put(o, 31, 6, cmap(S.upstair), "<");
  let on = onLabels(o, graph);
  assert.ok(on.has("stairs_down_visible") && on.has("stairs_up_visible"));
  assert.ok(!on.has("on_stairs_down") && !on.has("stairs_down_adjacent"));
  near(o, 1, 1, cmap(S.dnladder), ">");
  assert.ok(onLabels(o, graph).has("stairs_down_adjacent"));
  setMessage(o, "There is a staircase down here.");
  on = onLabels(o, graph);
  assert.ok(on.has("on_stairs_down") && !on.has("on_stairs_up"));
  setMessage(o, "There is a staircase up here.  You see here a dagger.");
  on = onLabels(o, graph);
  assert.ok(on.has("on_stairs_up") && on.has("items_here") && !on.has("on_stairs_down"));
});

test("memory knows the terrain under the hero after it steps on it", () => {
  const mem = new ExtractionMemory(1);
  const o = blankObs({ x: 40, y: 10 });
  room(o, 30, 5, 50, 15);
  put(o, 41, 10, cmap(S.dnstair), ">");
  assert.ok(!onLabels(o, graph, mem).has("on_stairs_down"));
  // Step east onto the stairs: no message, the hero's glyph now covers them.
  moveHero(o, 41, 10, cmap(S.room));
  o.blstats[BL.TIME] = 2;
  assert.ok(onLabels(o, graph, mem).has("on_stairs_down"));
  assert.ok(!onLabels(o, graph).has("on_stairs_down"), "without memory only the message would tell");
  // Waiting keeps it.
  o.blstats[BL.TIME] = 3;
  assert.ok(onLabels(o, graph, mem).has("on_stairs_down"));
  // Going down lands on the up stairs of the next level.
  const next = blankObs({ x: 10, y: 3 });
  room(next, 5, 2, 15, 6);
  next.blstats[BL.DEPTH] = 2;
  next.blstats[BL.DLEVEL] = 2;
  next.blstats[BL.TIME] = 4;
  let on = onLabels(next, graph, mem);
  assert.ok(on.has("on_stairs_up") && !on.has("on_stairs_down"));
  // Stepping off onto floor.
  moveHero(next, 11, 3, cmap(S.upstair));
  next.blstats[BL.TIME] = 5;
  on = onLabels(next, graph, mem);
  assert.ok(!on.has("on_stairs_up") && on.has("in_room"));
});

test("memory: a new game starts on the up staircase of level 1", () => {
  const mem = new ExtractionMemory(1);
  const o = blankObs(); // time 1, depth 1
  let on = onLabels(o, graph, mem);
  assert.ok(on.has("on_stairs_up") && !on.has("can_climb_up"));
  const later = blankObs();
  later.blstats[BL.TIME] = 30;
  on = onLabels(later, graph, new ExtractionMemory(1));
  assert.ok(!on.has("on_stairs_up"), "a memory started mid-game knows nothing");
  const deeper = blankObs();
  deeper.blstats[BL.DEPTH] = 3;
  setMessage(deeper, "There is a staircase up here.");
  assert.ok(onLabels(deeper, graph).has("can_climb_up"));
});

test("memory forgets on a new episode (time going back) and on reset()", () => {
  const mem = new ExtractionMemory(1);
  const o = blankObs({ x: 40, y: 10 });
  put(o, 41, 10, cmap(S.dnstair), ">");
  o.blstats[BL.TIME] = 50;
  onLabels(o, graph, mem);
  moveHero(o, 41, 10, cmap(S.room));
  o.blstats[BL.TIME] = 51;
  assert.ok(onLabels(o, graph, mem).has("on_stairs_down"));
  o.blstats[BL.TIME] = 1; // same square, but a new game
  assert.ok(!onLabels(o, graph, mem).has("on_stairs_down"));
  // Rebuild the knowledge, then reset explicitly.
  moveHero(o, 40, 10, cmap(S.dnstair));
  o.blstats[BL.TIME] = 2;
  onLabels(o, graph, mem);
  moveHero(o, 41, 10, cmap(S.room));
  o.blstats[BL.TIME] = 3;
  assert.ok(onLabels(o, graph, mem).has("on_stairs_down"));
  mem.reset(0);
  o.blstats[BL.TIME] = 4;
  assert.ok(!onLabels(o, graph, mem).has("on_stairs_down"));
  assert.throws(() => mem.reset(1), /memory slot/);
});

test("memory: standing in an open door forbids diagonal moves", () => {
  const mem = new ExtractionMemory(1);
  const o = blankObs({ x: 40, y: 10 });
  room(o, 30, 5, 50, 15);
  put(o, 40, 9, cmap(S.hodoor), "|");
  onLabels(o, graph, mem);
  moveHero(o, 40, 9, cmap(S.room));
  o.blstats[BL.TIME] = 2;
  put(o, 39, 8, cmap(S.corr), "#");
  put(o, 40, 8, cmap(S.corr), "#");
  const on = onLabels(o, graph, mem);
  assert.ok(on.has("in_doorway"));
  assert.ok(on.has("can_move_n") && on.has("can_move_s"));
  assert.ok(!on.has("can_move_nw") && !on.has("can_move_sw") && !on.has("can_move_se"));
});

test("items: objects, corpses, gold; boulders and statues are not items", () => {
  const o = blankObs();
  room(o, 30, 5, 50, 15);
  let on = onLabels(o, graph);
  assert.ok(!on.has("item_adjacent") && !on.has("item_visible"));
  near(o, 1, 0, GLYPH_BOULDER, "0");
  near(o, -1, 0, GLYPH_STATUE_OFF + 12, "d");
  on = onLabels(o, graph);
  assert.ok(on.has("boulder_adjacent") && on.has("boulder_visible"));
  assert.ok(
    !on.has("item_adjacent") && !on.has("item_visible") && !on.has("monster_adjacent"),
    "statues look like monsters but are not",
  );
  assert.ok(on.has("can_move_e"), "a move pushes the boulder");
  near(o, 0, 1, OBJECT, ")");
  on = onLabels(o, graph);
  assert.ok(
    on.has("item_adjacent") && on.has("item_visible") && !on.has("food_visible") && !on.has("gold_visible"),
  );
  near(o, 5, 3, CORPSE, "%");
  on = onLabels(o, graph);
  assert.ok(on.has("food_visible") && !on.has("corpse_adjacent"));
  near(o, -1, -1, CORPSE, "%");
  assert.ok(onLabels(o, graph).has("corpse_adjacent"));
  near(o, 2, 2, OBJECT + 1, "$");
  on = onLabels(o, graph);
  assert.ok(on.has("gold_visible") && !on.has("gold_adjacent"));
  near(o, 1, 1, OBJECT + 1, "$");
  assert.ok(onLabels(o, graph).has("gold_adjacent"));
});

test("messages: items here, corpses, containers, prompts, combat", () => {
  const cases: [string, string[], string[]][] = [
    ["You see here a dagger.", ["items_here", "message_shown"], ["corpse_here", "container_here"]],
    ["You see here a newt corpse.", ["items_here", "corpse_here"], []],
    ["There is a jackal corpse here; eat it? [ynq] (n)", ["corpse_here", "prompt_yes_no"], []],
    ["There are several objects here.", ["items_here"], ["corpse_here"]],
    ["You see here a large box.", ["container_here", "items_here"], []],
    ["Really attack the watchman? [yn] (n)", ["peaceful_attack_prompt", "prompt_yes_no"], []],
    ["In what direction?", ["prompt_direction"], ["prompt_yes_no"]],
    ["What do you want to eat? [fg or ?*]", ["prompt_item"], []],
    ["This door is locked.", ["door_locked_message"], []],
    ["You kill the newt!", ["killed_monster", "hit_monster"], ["missed_monster"]],
    ["You miss the jackal.  The jackal bites!", ["missed_monster", "monster_attacked"], ["hit_monster"]],
    ["It's a wall.", ["move_blocked_message"], []],
    ["You can't go down here.", ["cant_use_stairs_message"], ["on_stairs_down"]],
    ["You find a hidden passage.", ["found_hidden_message"], []],
    ["WHAMM!!", ["kick_door_failed"], ["door_opened_message"]],
    ["As you kick the door, it crashes open!", ["door_opened_message"], []],
    ["You swap places with your kitten.", ["pet_in_way_message"], []],
    ["Welcome to experience level 2.", ["level_up_message"], []],
    ["There is a fountain here.", ["on_fountain"], []],
    ["There is an altar to Anhur (neutral) here.", ["on_altar"], []],
    ["Dumb move!  You strain a muscle.", ["kick_hurt_message"], []],
    ["A bear trap closes on your foot!", ["trap_triggered_message"], []],
    ["You finish eating the food ration.", ["finished_eating_message"], []],
    ["You feel more confident in your weapon skills.", ["can_enhance_message"], []],
    ["You don't have anything to eat.", ["nothing_to_eat_message"], ["prompt_item"]],
    ["There is a sink here.", ["on_sink"], ["on_fountain"]],
    ["There is an opulent throne here.", ["on_throne"], []],
    ["There is a bear trap here.", ["on_trap"], []],
    ["", [], ["message_shown"]],
  ];
  for (const [msg, want, not] of cases) {
    const o = blankObs();
    setMessage(o, msg);
    const on = onLabels(o, graph);
    for (const l of want) assert.ok(on.has(l), `${JSON.stringify(msg)} → ${l}`);
    for (const l of not) assert.ok(!on.has(l), `${JSON.stringify(msg)} ↛ ${l}`);
  }
});

test("inventory facts come from classes and item texts", () => {
  const o = blankObs();
  let on = onLabels(o, graph);
  assert.ok(on.has("inventory_empty") && !on.has("has_food"));
  addItem(o, 0, "a", OCLASS.ARMOR, "an uncursed +2 pair of leather gloves (being worn)");
  addItem(o, 1, "b", OCLASS.ARMOR, "an uncursed +0 robe");
  addItem(o, 2, "d", OCLASS.FOOD, "3 food rations");
  addItem(o, 3, "e", OCLASS.WEAPON, "a +0 dagger (weapon in hand)");
  addItem(o, 4, "f", OCLASS.RING, "a ruby ring");
  addItem(o, 5, "g", OCLASS.WAND, "an oak wand");
  on = onLabels(o, graph);
  for (const l of [
    "has_food",
    "has_armor",
    "wearing_armor",
    "has_unworn_armor",
    "has_weapon",
    "wielding_weapon",
    "has_ring",
    "has_unworn_accessory",
    "has_wand",
  ]) {
    assert.ok(on.has(l), l);
  }
  for (const l of [
    "inventory_empty",
    "has_unwielded_weapon",
    "wearing_accessory",
    "has_potion",
    "has_scroll",
    "inventory_nearly_full",
  ]) {
    assert.ok(!on.has(l), l);
  }
});

test("layout: corridor, dead end, doorway, room, frontier", () => {
  // A corridor running east-west, rock seen around it.
  const c = blankObs({ x: 40, y: 10 });
  for (let dx = -3; dx <= 3; dx++) if (dx !== 0) near(c, dx, 0, cmap(S.corr), "#");
  for (let dx = -1; dx <= 1; dx++) {
    near(c, dx, -1, cmap(S.stone), " ");
    near(c, dx, 1, cmap(S.stone), " ");
  }
  let on = onLabels(c, graph);
  assert.ok(on.has("in_corridor") && on.has("narrow_passage") && !on.has("in_room") && !on.has("dead_end"));
  assert.ok(
    on.has("frontier_near") && on.has("frontier_exists"),
    "the corridor ends run into unexplored space",
  );
  // Dead end: only the west corridor remains.
  near(c, 1, 0, cmap(S.stone), " ");
  on = onLabels(c, graph);
  assert.ok(on.has("dead_end") && on.has("in_corridor"));

  // A doorway in a vertical wall: walls N and S, room floor E, corridor W.
  const d = blankObs({ x: 40, y: 10 });
  near(d, 0, -1, cmap(S.vwall), "|");
  near(d, 0, 1, cmap(S.vwall), "|");
  near(d, 1, 0, cmap(S.room));
  near(d, 1, -1, cmap(S.room));
  near(d, 1, 1, cmap(S.room));
  near(d, -1, 0, cmap(S.corr), "#");
  on = onLabels(d, graph);
  assert.ok(on.has("in_doorway") && !on.has("in_room") && !on.has("in_corridor"));

  // Inside a fully known lit room there is no frontier.
  const r = blankObs();
  room(r, 30, 5, 50, 15);
  on = onLabels(r, graph);
  assert.ok(
    on.has("in_room") && on.has("open_area") && !on.has("frontier_near") && !on.has("frontier_exists"),
  );
  // A dark room: remembered dark floor within 2 squares.
  near(r, 2, 0, cmap(S.darkroom));
  assert.ok(onLabels(r, graph).has("in_dark_room"));
  // A doorway far away opening onto unexplored space: a frontier, but not near.
  put(r, 51, 14, cmap(S.ndoor), ".");
  on = onLabels(r, graph);
  assert.ok(on.has("frontier_exists") && !on.has("frontier_near"));
});

test("features, traps, water and lava; wading only when levitating", () => {
  const o = blankObs();
  room(o, 30, 5, 50, 15);
  put(o, 32, 6, cmap(S.fountain), "{");
  put(o, 33, 6, cmap(S.altar), "_");
  put(o, 34, 6, cmap(S.sink), "#");
  put(o, 35, 6, cmap(S.throne), "\\");
  put(o, 36, 6, cmap(S.grave), "|");
  put(o, 37, 6, cmap(S.arrow_trap), "^");
  near(o, 1, 0, cmap(S.pool), "}");
  near(o, -1, 0, cmap(S.lava), "}");
  near(o, 0, 1, cmap(S.vibrating_square), "^");
  let on = onLabels(o, graph);
  for (const l of [
    "fountain_visible",
    "altar_visible",
    "sink_visible",
    "throne_visible",
    "grave_visible",
    "trap_visible",
    "trap_adjacent",
    "water_adjacent",
    "lava_adjacent",
  ]) {
    assert.ok(on.has(l), l);
  }
  assert.ok(!on.has("can_move_e") && !on.has("can_move_w") && on.has("can_move_s"));
  o.blstats[BL.CONDITION] = COND.LEV;
  on = onLabels(o, graph);
  assert.ok(on.has("can_move_e") && on.has("can_move_w"));
});

test("a blind hero may move into unexplored squares; a seeing one may not", () => {
  const o = blankObs();
  let on = onLabels(o, graph);
  assert.ok(on.has("unexplored_adjacent") && on.has("boxed_in") && !on.has("can_move_n"));
  o.blstats[BL.CONDITION] = COND.BLIND;
  on = onLabels(o, graph);
  assert.ok(on.has("can_move_n") && !on.has("boxed_in"));
});

test("the registry and the built-in graph agree on every label", () => {
  const labels = [...graph.conditionNodes].map((i) => graph.nodes[i].label);
  assert.deepEqual([...labels].sort(), [...CONDITION_EXTRACTORS].sort());
});
