/**
 * Condition extraction: one 0/1 byte per condition node (graph.conditionNodes order) per observation, for one
 * observation or a batch written into one preallocated Uint8Array[N × C]. Each graph is compiled once into an
 * array of predicates; per observation the work is one context pass plus one call per condition.
 */
import { BLSTATS_SIZE, INV_SLOTS, INV_STR_LEN, MSG_LEN, type Observation } from "../env/index.js";
import { InvalidArgumentError } from "../util/index.js";
import { CELLS, ObsContext, type ObsView } from "./context.js";
import type { ConditionPredicate } from "./extractors.js";
import type { ExtractionMemory } from "./memory.js";
import { ORIGINAL_SOURCE, resolveCondition } from "./original-format.js";
import type { Hypergraph } from "./types.js";

/**
 * Observations stacked along a leading batch axis (what a vectorised env hands out; the env layer's BatchObs has
 * this shape).
 */
export interface ObservationBatch {
  n: number;
  glyphs: Int16Array; // n × 1659
  chars: Uint8Array; // n × 1659
  blstats: Int32Array; // n × 27
  message: Uint8Array; // n × 256
  inv_letters: Uint8Array; // n × 55
  inv_oclasses: Uint8Array; // n × 55
  inv_strs: Uint8Array; // n × 55 × 80
}

interface Plan {
  fns: ConditionPredicate[];
  /** Condition labels with no extractor (foreign graphs): always 0. */
  undriven: string[];
}

const plans = new WeakMap<Hypergraph, Plan>();
const never: ConditionPredicate = () => false;

function planFor(graph: Hypergraph): Plan {
  let p = plans.get(graph);
  if (!p) {
    const fns: ConditionPredicate[] = [];
    const undriven: string[] = [];
    const original = graph.meta.source === ORIGINAL_SOURCE;
    for (const idx of graph.conditionNodes) {
      const label = graph.nodes[idx].label;
      const fn = resolveCondition(label, original);
      if (!fn) undriven.push(label);
      fns.push(fn ?? never);
    }
    p = { fns, undriven };
    plans.set(graph, p);
  }
  return p;
}

/** Condition labels of the graph that no extractor computes (they always read 0). */
export function undrivenConditions(graph: Hypergraph): string[] {
  return [...planFor(graph).undriven];
}

const ctx = new ObsContext();
const single: ObsView = {
  glyphs: new Int16Array(0),
  chars: new Uint8Array(0),
  blstats: new Int32Array(0),
  message: new Uint8Array(0),
  inv_letters: new Uint8Array(0),
  inv_oclasses: new Uint8Array(0),
  inv_strs: new Uint8Array(0),
  index: 0,
};

function viewOf(obs: Observation): ObsView {
  single.glyphs = obs.glyphs;
  single.chars = obs.chars;
  single.blstats = obs.blstats;
  single.message = obs.message;
  single.inv_letters = obs.inv_letters;
  single.inv_oclasses = obs.inv_oclasses;
  single.inv_strs = obs.inv_strs;
  return single;
}

function evaluate(fns: ConditionPredicate[], out: Uint8Array, off: number): void {
  for (let k = 0; k < fns.length; k++) out[off + k] = fns[k](ctx) ? 1 : 0;
}

/**
 * Conditions of one observation. `memory` (optional, slot 0) lets the extractor know the terrain under the hero
 * across steps (stairs, fountains…); without it those conditions rely on the message line only.
 */
export function extractConditions(
  obs: Observation,
  graph: Hypergraph,
  out?: Uint8Array,
  memory?: ExtractionMemory,
  /** The memory slot this observation's environment owns (default 0). */
  slot = 0,
): Uint8Array {
  const plan = planFor(graph);
  const c = plan.fns.length;
  const res = out ?? new Uint8Array(c);
  if (res.length < c)
    throw new InvalidArgumentError("output buffer length", res.length, `at least ${c} (conditions)`);
  ctx.compute(viewOf(obs), memory, slot);
  evaluate(plan.fns, res, 0);
  return res;
}

function isBatch(b: readonly Observation[] | ObservationBatch): b is ObservationBatch {
  return !Array.isArray(b);
}

/**
 * Conditions of N observations into `out` (row n = observation n, C bytes each). The batch is either an array of
 * observations or stacked buffers. With `memory`, slot n follows environment n.
 */
export function extractConditionsBatch(
  batch: readonly Observation[] | ObservationBatch,
  graph: Hypergraph,
  out: Uint8Array,
  memory?: ExtractionMemory,
): Uint8Array {
  const plan = planFor(graph);
  const c = plan.fns.length;
  const n = isBatch(batch) ? batch.n : batch.length;
  if (out.length < n * c)
    throw new InvalidArgumentError("output buffer length", out.length, `at least ${n} × ${c} = ${n * c}`);
  if (memory && memory.size < n)
    throw new InvalidArgumentError("memory size", memory.size, `at least the batch size ${n}`);
  if (isBatch(batch)) {
    checkBatch(batch);
    const view: ObsView = { ...batch, index: 0 };
    for (let i = 0; i < n; i++) {
      view.index = i;
      ctx.compute(view, memory);
      evaluate(plan.fns, out, i * c);
    }
  } else {
    for (let i = 0; i < n; i++) {
      // Each observation has its own buffers (offset 0) and follows slot i of the memory.
      ctx.compute(viewOf(batch[i]), memory, i);
      evaluate(plan.fns, out, i * c);
    }
  }
  return out;
}

function checkBatch(b: ObservationBatch): void {
  const want: [string, number, number][] = [
    ["glyphs", b.glyphs.length, b.n * CELLS],
    ["chars", b.chars.length, b.n * CELLS],
    ["blstats", b.blstats.length, b.n * BLSTATS_SIZE],
    ["message", b.message.length, b.n * MSG_LEN],
    ["inv_letters", b.inv_letters.length, b.n * INV_SLOTS],
    ["inv_oclasses", b.inv_oclasses.length, b.n * INV_SLOTS],
    ["inv_strs", b.inv_strs.length, b.n * INV_SLOTS * INV_STR_LEN],
  ];
  for (const [name, have, need] of want) {
    if (have < need)
      throw new InvalidArgumentError(
        `batch ${name} length`,
        have,
        `at least ${need} for ${b.n} observations`,
      );
  }
}
