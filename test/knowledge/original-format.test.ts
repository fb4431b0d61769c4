import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { projectRoot } from "../../src/util/paths.js";
import {
  buildHypergraph,
  extractConditions,
  HypergraphFormatError,
  loadOriginalFormat,
  originalOperatorExpert,
  reportDrivableConditions,
  writeOriginalFormat,
} from "../../src/knowledge/index.js";
import { BL } from "../../src/env/blstats.js";
import { blankObs, MONSTER, near } from "./helpers.js";

const FIXTURE = join(projectRoot(), "test", "fixtures", "knowledge", "original-small.json");

test("loads the fixture, removing and counting repeated edges", () => {
  const r = loadOriginalFormat(FIXTURE);
  assert.equal(r.duplicateEdges, 5);
  assert.equal(r.data.edges.length, 14);
  assert.equal(r.data.nodes.length, 14);
  assert.equal(r.data.meta.version, "3.0_GAT");
  // Same endpoints, other relation: both kept.
  const between = r.data.edges
    .filter((e) => e.src === "3" && e.dst === "0")
    .map((e) => e.relation)
    .sort();
  assert.deepEqual(between, ["context_of", "satisfies"]);
});

test("round trip: load → write → load gives the same graph and no more duplicates", () => {
  const first = loadOriginalFormat(FIXTURE);
  const dir = mkdtempSync(join(tmpdir(), "tedg-orig-"));
  const path = join(dir, "out.json");
  writeOriginalFormat(path, first.data, first.originalMeta);
  const second = loadOriginalFormat(path);
  assert.deepEqual(second.data, first.data);
  assert.equal(second.duplicateEdges, 0);
  const written = JSON.parse(readFileSync(path, "utf8"));
  assert.equal(written.meta.total_edges, 14);
  assert.deepEqual(written.meta.edge_types, { satisfies: 8, context_of: 5, leads_to: 1 });
  assert.deepEqual(written.meta.data_sources, { fixture: "written by hand for the loader tests" });
  assert.deepEqual(written.edges[0], [1, 0, "satisfies"]);
});

test("experts come from the full operator name (B13), General when unknown", () => {
  const r = loadOriginalFormat(FIXTURE);
  const expert = Object.fromEntries(
    r.data.nodes.filter((n) => n.type === "operator").map((n) => [n.label, n.expert]),
  );
  assert.deepEqual(expert, {
    move_ac717ec4: "Exploration",
    melee_attack_vs_newt: "Combat", // the first-underscore rule gave "melee" → General
    go_down_rule_4f356405: "Exploration", // "go" → General before
    eat_autoascend_dlvl_5: "Survival",
    swap_weapon_ac717ec4: "Combat", // "swap" → General before
    mystery_op_0001: "General",
  });
  assert.equal(originalOperatorExpert("move_no_pickup_324f8493"), "Exploration");
  assert.equal(originalOperatorExpert("put_on_rule_c2f89fba"), "Survival");
  assert.equal(originalOperatorExpert("remove_ring_rule_730e6991"), "Survival");
  assert.equal(originalOperatorExpert("ranged_attack_vs_gas_spore"), "Combat");
  assert.equal(originalOperatorExpert("count_gold_ac717ec4"), "Survival");
  assert.equal(originalOperatorExpert("unlock_door_rule_21537f55"), "Exploration");
  assert.equal(
    originalOperatorExpert("moveable"),
    "General",
    "a key must be followed by '_' or end the label",
  );
  const actions = Object.fromEntries(
    r.data.nodes.filter((n) => n.type === "operator").map((n) => [n.label, n.actions]),
  );
  assert.deepEqual(actions.go_down_rule_4f356405, [18]);
  assert.deepEqual(actions.melee_attack_vs_newt, [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.equal(actions.swap_weapon_ac717ec4, undefined);
});

test("reports which condition labels our extractor drives, and drives them", () => {
  const r = loadOriginalFormat(FIXTURE);
  const rep = reportDrivableConditions(r.data);
  assert.deepEqual(rep.drivable.map((d) => d.label).sort(), [
    "dlvl_1",
    "hp_full",
    "hunger_normal",
    "monsters_present",
    "on_downstairs",
  ]);
  assert.deepEqual(rep.notDrivable.sort(), ["from_eat.c", "strategy_eat"]);
  assert.equal(rep.drivable.find((d) => d.label === "hunger_normal")?.ours, "hunger_not_hungry");
  assert.equal(rep.drivable.find((d) => d.label === "monsters_present")?.ours, "monster_visible");
  // The built index extracts them: not-drivable ones read 0.
  const g = buildHypergraph(r.data);
  const labels = [...g.conditionNodes].map((i) => g.nodes[i].label);
  const o = blankObs({ hp: 12, hpmax: 14 }); // 12/14 ≥ 0.8: the original's hp_full
  near(o, 2, 2, MONSTER, "d");
  const c = extractConditions(o, g);
  const on = labels.filter((_, k) => c[k] === 1).sort();
  assert.deepEqual(on, ["dlvl_1", "hp_full", "hunger_normal", "monsters_present"]);
  o.blstats[BL.HP] = 11; // 11/14 < 0.8
  assert.equal(extractConditions(o, g)[labels.indexOf("hp_full")], 0);
});

test("errors in the original format name file, path and rule", () => {
  const dir = mkdtempSync(join(tmpdir(), "tedg-orig-"));
  const raw = JSON.parse(readFileSync(FIXTURE, "utf8"));
  raw.edges[17] = [3, 99, "satisfies"];
  const p1 = join(dir, "bad1.json");
  writeFileSync(p1, JSON.stringify(raw));
  assert.throws(
    () => loadOriginalFormat(p1),
    (e: unknown) =>
      e instanceof HypergraphFormatError &&
      e.message.includes(p1) &&
      /edges\[17\]\[1\]: unknown node id "99"/.test(e.message),
  );
  const raw2 = JSON.parse(readFileSync(FIXTURE, "utf8"));
  raw2.edges[6] = [11, 6, "leads_to"];
  const p2 = join(dir, "bad2.json");
  writeFileSync(p2, JSON.stringify(raw2));
  assert.throws(
    () => loadOriginalFormat(p2),
    /edges\[6\]\[2\]: leads_to edges go from an operator to an effect/,
  );
  const raw3 = JSON.parse(readFileSync(FIXTURE, "utf8"));
  raw3.nodes[2].type = "rule";
  const p3 = join(dir, "bad3.json");
  writeFileSync(p3, JSON.stringify(raw3));
  assert.throws(() => loadOriginalFormat(p3), /nodes\[2\]\.type/);
});
