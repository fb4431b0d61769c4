/**
 * Synthetic inputs for tests and benchmarks: a graph with the built-in graph's shape (conditions → operators
 * → effects) and condition masks with a realistic number of distinct values.
 */
import {
  type Hypergraph,
  type HypergraphNode,
  type HypergraphEdge,
  type NodeType,
  type Relation,
  EXPERT_NAMES,
  RELATIONS,
} from "../knowledge/index.js";
import { Rng } from "../util/index.js";
import { CROP_PAD, DEFAULT_CROP_SIZE, NUM_OCLASSES } from "./features.js";
import { BLSTATS_SIZE } from "../env/index.js";
import * as G from "../nethack/index.js";
import type { PolicyBatch } from "./policy.js";

export interface SynthGraphOptions {
  conditions?: number;
  operators?: number;
  effects?: number;
  edges?: number;
  /** Size of the action set: operator i is carried out by action i mod actions (omitted: no actions). */
  actions?: number;
  /** Fraction of edges that go operator → effect (the rest go condition → operator). */
  effectEdgeFraction?: number;
  seed?: number;
}

/** Builds the index form of a graph from nodes and edges (what knowledge/ produces for real graphs). */
export function indexGraph(
  nodes: HypergraphNode[],
  edges: HypergraphEdge[],
  experts: readonly string[] = EXPERT_NAMES,
): Hypergraph {
  const nodeIndex = new Map(nodes.map((n, i) => [n.id, i]));
  const typeId: Record<NodeType, number> = { condition: 0, operator: 1, effect: 2 };
  const nodeType = Int32Array.from(nodes.map((n) => typeId[n.type]));
  const ofType = (t: number) => Int32Array.from(nodes.flatMap((n, i) => (nodeType[i] === t ? [i] : [])));
  const operatorNodes = ofType(1);
  return {
    meta: { version: "synthetic", source: "model/synth" },
    nodes,
    edges,
    numNodes: nodes.length,
    nodeType,
    edgeSrc: Int32Array.from(edges.map((e) => nodeIndex.get(e.src)!)),
    edgeDst: Int32Array.from(edges.map((e) => nodeIndex.get(e.dst)!)),
    edgeRelation: Int32Array.from(edges.map((e) => RELATIONS.indexOf(e.relation))),
    conditionNodes: ofType(0),
    operatorNodes,
    effectNodes: ofType(2),
    operatorExpert: Int32Array.from(operatorNodes, (n) =>
      Math.max(0, experts.indexOf(nodes[n].expert ?? experts[0])),
    ),
    experts,
    nodeIndex,
  };
}

export function syntheticGraph(o: SynthGraphOptions = {}): Hypergraph {
  const C = o.conditions ?? 130;
  const O = o.operators ?? 60;
  const F = o.effects ?? 40;
  const E = o.edges ?? 600;
  const rng = new Rng(o.seed ?? 1);
  const nodes: HypergraphNode[] = [];
  for (let i = 0; i < C; i++) nodes.push({ id: `c${i}`, label: `cond_${i}`, type: "condition" });
  for (let i = 0; i < O; i++)
    nodes.push({
      id: `o${i}`,
      label: `op_${i}`,
      type: "operator",
      expert: EXPERT_NAMES[i % 4],
      // Operator i is carried out by action i mod A (when an action count is given).
      ...(o.actions ? { actions: [i % o.actions] } : {}),
    });
  for (let i = 0; i < F; i++) nodes.push({ id: `e${i}`, label: `eff_${i}`, type: "effect" });
  const edges: HypergraphEdge[] = [];
  const toEff = F > 0 ? Math.round(E * (o.effectEdgeFraction ?? 1 / 6)) : 0;
  const toOp = E - toEff;
  for (let i = 0; i < toOp; i++) {
    // Every operator gets at least one condition in-edge.
    const op = i < O ? i : rng.int(O);
    const rel: Relation = rng.next() < 0.5 ? "satisfies" : "context_of";
    edges.push({ src: `c${rng.int(C)}`, dst: `o${op}`, relation: rel });
  }
  for (let i = 0; i < toEff; i++) {
    const eff = i < F ? i : rng.int(F);
    edges.push({ src: `o${rng.int(O)}`, dst: `e${eff}`, relation: "leads_to" });
  }
  return indexGraph(nodes, edges);
}

export interface SynthMaskOptions {
  count?: number;
  distinct?: number;
  conditions?: number;
  minBits?: number;
  maxBits?: number;
  /** Zipf-like exponent of how often each condition is active (0 = uniform, the worst case for dedup). */
  skew?: number;
  seed?: number;
}

/** `count` masks over `conditions` bits with about `distinct` distinct values, shuffled. */
export function syntheticMasks(o: SynthMaskOptions = {}): Uint8Array {
  const n = o.count ?? 2048;
  const distinct = Math.min(o.distinct ?? 1500, n);
  const C = o.conditions ?? 130;
  const lo = o.minBits ?? 15;
  const hi = o.maxBits ?? 30;
  const skew = o.skew ?? 0.5;
  const rng = new Rng(o.seed ?? 2);
  const w = Array.from({ length: C }, (_, c) => 1 / Math.pow(c + 1, skew));
  const perm = Array.from({ length: C }, (_, i) => i);
  rng.shuffle(perm);
  const uniq: Uint8Array[] = [];
  const seen = new Set<string>();
  let guard = 0;
  while (uniq.length < distinct && guard++ < distinct * 100) {
    const k = lo + rng.int(hi - lo + 1);
    const m = new Uint8Array(C);
    const ww = w.slice();
    let total = ww.reduce((a, b) => a + b, 0);
    for (let t = 0; t < Math.min(k, C); t++) {
      let u = rng.next() * total;
      let c = 0;
      while (c < C - 1 && (u -= ww[c]) > 0) c++;
      m[perm[c]] = 1;
      total -= ww[c];
      ww[c] = 0;
    }
    const key = m.join("");
    if (!seen.has(key)) {
      seen.add(key);
      uniq.push(m);
    }
  }
  const rows: Uint8Array[] = [...uniq];
  while (rows.length < n) rows.push(uniq[rng.int(uniq.length)]);
  rng.shuffle(rows);
  const out = new Uint8Array(n * C);
  rows.forEach((r, i) => out.set(r, i * C));
  return out;
}

/** A random but plausible batch (blstats scaled, crops of floor/wall/unexplored/monsters) for the given masks. */
export function syntheticBatch(
  B: number,
  masks: Uint8Array,
  numConditions: number,
  seed = 3,
  cropSize = DEFAULT_CROP_SIZE,
): PolicyBatch {
  const rng = new Rng(seed);
  const cells = cropSize * cropSize;
  const blstats = new Float32Array(B * BLSTATS_SIZE);
  for (let i = 0; i < blstats.length; i++) blstats[i] = rng.next();
  const pool = [
    G.GLYPH_UNEXPLORED,
    CROP_PAD,
    G.GLYPH_CMAP_OFF + G.S.room,
    G.GLYPH_CMAP_OFF + G.S.vwall,
    G.GLYPH_CMAP_OFF + G.S.hwall,
    G.GLYPH_CMAP_OFF + G.S.corr,
    G.GLYPH_CMAP_OFF + G.S.dnstair,
    G.GLYPH_CMAP_OFF + G.S.ndoor,
  ];
  const crop = new Int32Array(B * cells);
  for (let i = 0; i < crop.length; i++) {
    const u = rng.next();
    crop[i] =
      u < 0.05
        ? rng.int(G.NUMMONS)
        : u < 0.08
          ? G.GLYPH_OBJ_OFF + rng.int(G.NUM_OBJECTS)
          : pool[rng.int(pool.length)];
  }
  const inv = new Float32Array(B * NUM_OCLASSES);
  for (let i = 0; i < inv.length; i++) inv[i] = rng.next() < 0.3 ? rng.next() : 0;
  const total = masks.length / numConditions;
  const m = new Uint8Array(B * numConditions);
  for (let b = 0; b < B; b++)
    m.set(masks.subarray((b % total) * numConditions, ((b % total) + 1) * numConditions), b * numConditions);
  return { B, blstats, crop, inv, masks: m };
}

/** Rows [from, from+n) of a batch. */
export function sliceBatch(
  b: PolicyBatch,
  idx: ArrayLike<number>,
  numConditions: number,
  numActions?: number,
): PolicyBatch {
  const n = idx.length;
  const cells = b.crop.length / b.B;
  const out: PolicyBatch = {
    B: n,
    blstats: new Float32Array(n * BLSTATS_SIZE),
    crop: new Int32Array(n * cells),
    inv: new Float32Array(n * NUM_OCLASSES),
    masks: new Uint8Array(n * numConditions),
  };
  if (b.actionMask && numActions) out.actionMask = new Uint8Array(n * numActions);
  for (let i = 0; i < n; i++) {
    const r = idx[i];
    out.blstats.set(b.blstats.subarray(r * BLSTATS_SIZE, (r + 1) * BLSTATS_SIZE), i * BLSTATS_SIZE);
    out.crop.set(b.crop.subarray(r * cells, (r + 1) * cells), i * cells);
    out.inv.set(b.inv.subarray(r * NUM_OCLASSES, (r + 1) * NUM_OCLASSES), i * NUM_OCLASSES);
    out.masks.set(b.masks.subarray(r * numConditions, (r + 1) * numConditions), i * numConditions);
    if (out.actionMask && b.actionMask && numActions)
      out.actionMask.set(b.actionMask.subarray(r * numActions, (r + 1) * numActions), i * numActions);
  }
  return out;
}
