import { test } from "node:test";
import assert from "node:assert/strict";
import { BL } from "../../src/env/blstats.js";
import { allocObservation, type Observation } from "../../src/env/observation.js";
import { S } from "../../src/nethack/glyphs.js";
import { InvalidArgumentError } from "../../src/util/errors.js";
import {
  ExtractionMemory,
  extractConditions,
  extractConditionsBatch,
  loadBuiltinGraph,
  type ObservationBatch,
} from "../../src/knowledge/index.js";
import { blankObs, cmap, MONSTER, moveHero, near, put, room, setMessage } from "./helpers.js";

const graph = loadBuiltinGraph();
const C = graph.conditionNodes.length;

function stack(obs: Observation[]): ObservationBatch {
  const n = obs.length;
  const one = allocObservation();
  const b: ObservationBatch = {
    n,
    glyphs: new Int16Array(n * one.glyphs.length),
    chars: new Uint8Array(n * one.chars.length),
    blstats: new Int32Array(n * one.blstats.length),
    message: new Uint8Array(n * one.message.length),
    inv_letters: new Uint8Array(n * one.inv_letters.length),
    inv_oclasses: new Uint8Array(n * one.inv_oclasses.length),
    inv_strs: new Uint8Array(n * one.inv_strs.length),
  };
  obs.forEach((o, i) => {
    for (const k of [
      "glyphs",
      "chars",
      "blstats",
      "message",
      "inv_letters",
      "inv_oclasses",
      "inv_strs",
    ] as const) {
      (b[k] as Uint8Array).set(o[k] as Uint8Array, i * o[k].length);
    }
  });
  return b;
}

function three(): Observation[] {
  const a = blankObs();
  room(a, 30, 5, 50, 15);
  near(a, 1, 0, MONSTER, "d");
  const b = blankObs({ x: 10, y: 3, hp: 3 });
  near(b, -1, 0, cmap(S.corr), "#");
  setMessage(b, "There is a staircase down here.");
  const c = blankObs({ x: 70, y: 18 });
  room(c, 65, 15, 75, 19);
  c.blstats[BL.HUNGER] = 3;
  return [a, b, c];
}

test("batched extraction equals one-by-one, for stacked buffers and arrays", () => {
  const obs = three();
  const single = obs.map((o) => Array.from(extractConditions(o, graph)));
  assert.notDeepEqual(single[0], single[1]);
  const out = new Uint8Array(3 * C);
  extractConditionsBatch(stack(obs), graph, out);
  for (let i = 0; i < 3; i++)
    assert.deepEqual(Array.from(out.subarray(i * C, (i + 1) * C)), single[i], `row ${i}`);
  const out2 = new Uint8Array(3 * C);
  extractConditionsBatch(obs, graph, out2);
  assert.deepEqual(out2, out);
});

test("batched extraction keeps one memory slot per environment", () => {
  const mem = new ExtractionMemory(2);
  const a = blankObs({ x: 40, y: 10 });
  room(a, 30, 5, 50, 15);
  put(a, 41, 10, cmap(S.dnstair), ">");
  const b = blankObs({ x: 40, y: 10 });
  room(b, 30, 5, 50, 15);
  const out = new Uint8Array(2 * C);
  const k = [...graph.conditionNodes].findIndex((i) => graph.nodes[i].label === "on_stairs_down");
  extractConditionsBatch([a, b], graph, out, mem);
  moveHero(a, 41, 10, cmap(S.room));
  moveHero(b, 41, 10, cmap(S.room));
  a.blstats[BL.TIME] = 2;
  b.blstats[BL.TIME] = 2;
  extractConditionsBatch([a, b], graph, out, mem);
  assert.equal(out[k], 1, "env 0 stepped onto stairs");
  assert.equal(out[C + k], 0, "env 1 stepped onto floor");
  const stacked = stack([a, b]);
  extractConditionsBatch(stacked, graph, out, mem);
  assert.equal(out[k], 1);
  assert.equal(out[C + k], 0);
});

test("batch size errors are typed and say what was expected", () => {
  const obs = three();
  assert.throws(
    () => extractConditionsBatch(obs, graph, new Uint8Array(C)),
    (e: unknown) => e instanceof InvalidArgumentError && /at least 3 × /.test(e.message),
  );
  assert.throws(
    () => extractConditionsBatch(obs, graph, new Uint8Array(3 * C), new ExtractionMemory(2)),
    /memory size/,
  );
  const b = stack(obs);
  b.glyphs = b.glyphs.subarray(0, 100);
  assert.throws(() => extractConditionsBatch(b, graph, new Uint8Array(3 * C)), /batch glyphs length/);
  assert.throws(() => extractConditions(obs[0], graph, new Uint8Array(3)), /output buffer length/);
});
