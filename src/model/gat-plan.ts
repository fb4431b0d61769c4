/**
 * Deduplication plan for the batched GAT (pure JS, no tensors).
 *
 * A node's output after layer ℓ is a deterministic function of the rows its inputs (itself and its
 * in-neighbours) hold after layer ℓ−1. So instead of running the GAT once per mask, each layer computes one
 * row per distinct *input tuple* of each node ("unit"). Consequences, with no special casing:
 *  - a condition node (no in-edges) has at most 2 units per layer: active / inactive, shared by all masks;
 *  - an operator has one unit per distinct combination of its in-neighbours' bits in the batch (its
 *    "sub-mask"), usually far fewer than the number of distinct full masks;
 *  - a node whose inputs never vary (e.g. an effect at layer 1, fed by operators whose layer-0 features do
 *    not depend on the mask) has one unit, computed once for the whole batch.
 * Edge-level work then runs over the edges of these units only.
 */
import type { Hypergraph } from "../knowledge/types.js";

export interface GatStructure {
  numNodes: number;
  numConditions: number;
  /** CSR of in-edges per destination node. */
  inStart: Int32Array;
  inSrc: Int32Array;
  inRel: Int32Array;
  /** Per node: condition index or −1. */
  condOf: Int32Array;
  /** Relation id used for self-loops. */
  selfRel: number;
  numRelations: number;
  /** Layer-0 rows: node, type, activation per row; node n's rows start at row0Offset[n] (2 rows for conditions). */
  row0Node: Int32Array;
  row0Type: Int32Array;
  row0Act: Int32Array;
  row0Offset: Int32Array;
  /** Per node: distinct in-neighbours (self first), used for dedup keys. */
  keyInputs: Int32Array[];
  readoutNodes: Int32Array;
  operatorNodes: Int32Array;
}

export function buildStructure(g: Hypergraph, numRelations: number): GatStructure {
  const N = g.numNodes;
  const E = g.edgeSrc.length;
  const inStart = new Int32Array(N + 1);
  for (let e = 0; e < E; e++) inStart[g.edgeDst[e] + 1]++;
  for (let n = 0; n < N; n++) inStart[n + 1] += inStart[n];
  const fill = inStart.slice(0, N);
  const inSrc = new Int32Array(E);
  const inRel = new Int32Array(E);
  for (let e = 0; e < E; e++) {
    const p = fill[g.edgeDst[e]]++;
    inSrc[p] = g.edgeSrc[e];
    inRel[p] = g.edgeRelation[e];
  }
  const condOf = new Int32Array(N).fill(-1);
  g.conditionNodes.forEach((n, c) => (condOf[n] = c));
  const row0Offset = new Int32Array(N + 1);
  for (let n = 0; n < N; n++) row0Offset[n + 1] = row0Offset[n] + (condOf[n] >= 0 ? 2 : 1);
  const R0 = row0Offset[N];
  const row0Node = new Int32Array(R0);
  const row0Type = new Int32Array(R0);
  const row0Act = new Int32Array(R0);
  for (let n = 0; n < N; n++) {
    for (let r = row0Offset[n]; r < row0Offset[n + 1]; r++) {
      row0Node[r] = n;
      row0Type[r] = g.nodeType[n];
      row0Act[r] = r - row0Offset[n];
    }
  }
  const keyInputs: Int32Array[] = [];
  for (let n = 0; n < N; n++) {
    const s = new Set<number>([n]);
    for (let p = inStart[n]; p < inStart[n + 1]; p++) s.add(inSrc[p]);
    keyInputs.push(Int32Array.from(s));
  }
  const readout = Int32Array.from([...g.operatorNodes, ...g.effectNodes]);
  return {
    numNodes: N,
    numConditions: g.conditionNodes.length,
    inStart,
    inSrc,
    inRel,
    condOf,
    selfRel: numRelations,
    numRelations,
    row0Node,
    row0Type,
    row0Act,
    row0Offset,
    keyInputs,
    readoutNodes: readout,
    operatorNodes: Int32Array.from(g.operatorNodes),
  };
}

const DIRECT_TABLE = 1 << 18;

export interface LayerPlan {
  /** Units (output rows) of this layer. */
  numUnits: number;
  /** Per unit: the row of its own node in the previous layer's table (residual input). */
  selfRow: Int32Array;
  /** Edges incl. self-loops: src/dst rows in the previous table, relation, destination unit. */
  src: Int32Array;
  dst: Int32Array;
  rel: Int32Array;
  seg: Int32Array;
  /** Units that have more than one incoming edge (for the attention-entropy metric). */
  numAttending: number;
}

export interface GatPlan {
  M: number;
  numRows0: number;
  layers: LayerPlan[];
  /** Readout: per (mask, readout node) the row of the last table, and the mask as segment. */
  readIdx: Int32Array;
  readSeg: Int32Array;
  /** Per (mask, operator) the row of the last table. */
  opIdx: Int32Array;
}

/** Builds the plan for M distinct masks (row-major [M × numConditions], nonzero = active). */
export function buildPlan(st: GatStructure, masks: Uint8Array, M: number, numLayers: number): GatPlan {
  const N = st.numNodes;
  const C = st.numConditions;
  let rowOf = new Int32Array(M * N);
  let count = new Int32Array(N);
  let offset = st.row0Offset;
  for (let n = 0; n < N; n++) {
    const c = st.condOf[n];
    count[n] = c >= 0 ? 2 : 1;
    const o = st.row0Offset[n];
    if (c < 0) for (let m = 0; m < M; m++) rowOf[m * N + n] = o;
    else for (let m = 0; m < M; m++) rowOf[m * N + n] = o + (masks[m * C + c] !== 0 ? 1 : 0);
  }
  const layers: LayerPlan[] = [];
  const table = new Int32Array(DIRECT_TABLE).fill(-1);
  for (let l = 0; l < numLayers; l++) {
    const nextRow = new Int32Array(M * N);
    const nextCount = new Int32Array(N);
    const nextOffset = new Int32Array(N + 1);
    const unitRep: number[] = []; // representative mask per unit, global unit order
    const unitNode: number[] = [];
    const local = new Int32Array(M);
    for (let n = 0; n < N; n++) {
      const inputs = st.keyInputs[n];
      const varying: number[] = [];
      let radix = 1;
      for (let i = 0; i < inputs.length; i++) {
        if (count[inputs[i]] > 1) {
          varying.push(inputs[i]);
          radix *= count[inputs[i]];
        }
      }
      let units = 0;
      if (varying.length === 0) {
        local.fill(0);
        units = 1;
        unitRep.push(0);
        unitNode.push(n);
      } else if (radix <= DIRECT_TABLE) {
        // Small key space: a direct-index table (reset through the list of touched keys) beats a Map.
        const touched: number[] = [];
        for (let m = 0; m < M; m++) {
          let key = 0;
          for (let i = 0; i < varying.length; i++) {
            const j = varying[i];
            key = key * count[j] + (rowOf[m * N + j] - offset[j]);
          }
          let u = table[key];
          if (u < 0) {
            u = units++;
            table[key] = u;
            touched.push(key);
            unitRep.push(m);
            unitNode.push(n);
          }
          local[m] = u;
        }
        for (const t of touched) table[t] = -1;
      } else if (radix <= 2 ** 52) {
        const seen = new Map<number, number>();
        for (let m = 0; m < M; m++) {
          let key = 0;
          for (let i = 0; i < varying.length; i++) {
            const j = varying[i];
            key = key * count[j] + (rowOf[m * N + j] - offset[j]);
          }
          let u = seen.get(key);
          if (u === undefined) {
            u = units++;
            seen.set(key, u);
            unitRep.push(m);
            unitNode.push(n);
          }
          local[m] = u;
        }
      } else {
        const seen = new Map<string, number>();
        for (let m = 0; m < M; m++) {
          let key = "";
          for (let i = 0; i < varying.length; i++)
            key += rowOf[m * N + varying[i]] - offset[varying[i]] + ",";
          let u = seen.get(key);
          if (u === undefined) {
            u = units++;
            seen.set(key, u);
            unitRep.push(m);
            unitNode.push(n);
          }
          local[m] = u;
        }
      }
      nextCount[n] = units;
      nextOffset[n + 1] = nextOffset[n] + units;
      const o = nextOffset[n];
      for (let m = 0; m < M; m++) nextRow[m * N + n] = o + local[m];
    }
    const U = nextOffset[N];
    let K = 0;
    for (let u = 0; u < U; u++) {
      const n = unitNode[u];
      K += 1 + st.inStart[n + 1] - st.inStart[n];
    }
    const selfRow = new Int32Array(U);
    const src = new Int32Array(K);
    const dst = new Int32Array(K);
    const rel = new Int32Array(K);
    const seg = new Int32Array(K);
    let k = 0;
    let attending = 0;
    for (let u = 0; u < U; u++) {
      const n = unitNode[u];
      const base = unitRep[u] * N;
      const me = rowOf[base + n];
      selfRow[u] = me;
      src[k] = me;
      dst[k] = me;
      rel[k] = st.selfRel;
      seg[k++] = u;
      for (let p = st.inStart[n]; p < st.inStart[n + 1]; p++) {
        src[k] = rowOf[base + st.inSrc[p]];
        dst[k] = me;
        rel[k] = st.inRel[p];
        seg[k++] = u;
      }
      if (st.inStart[n + 1] > st.inStart[n]) attending++;
    }
    layers.push({ numUnits: U, selfRow, src, dst, rel, seg, numAttending: attending });
    rowOf = nextRow;
    count = nextCount;
    offset = nextOffset;
  }
  const P = st.readoutNodes.length;
  const readIdx = new Int32Array(M * P);
  const readSeg = new Int32Array(M * P);
  for (let m = 0; m < M; m++) {
    for (let i = 0; i < P; i++) {
      readIdx[m * P + i] = rowOf[m * N + st.readoutNodes[i]];
      readSeg[m * P + i] = m;
    }
  }
  const O = st.operatorNodes.length;
  const opIdx = new Int32Array(M * O);
  for (let m = 0; m < M; m++)
    for (let j = 0; j < O; j++) opIdx[m * O + j] = rowOf[m * N + st.operatorNodes[j]];
  return { M, numRows0: st.row0Offset[N], layers, readIdx, readSeg, opIdx };
}

/** Per-sample dedup of condition masks: unique rows and, per sample, the index of its unique row. */
export function dedupMasks(
  masks: Uint8Array,
  B: number,
  C: number,
): { unique: Uint8Array; M: number; index: Int32Array } {
  const index = new Int32Array(B);
  const seen = new Map<string, number>();
  const firsts: number[] = [];
  const buf = Buffer.from(masks.buffer, masks.byteOffset, masks.byteLength);
  for (let b = 0; b < B; b++) {
    const key = buf.toString("latin1", b * C, b * C + C);
    let u = seen.get(key);
    if (u === undefined) {
      u = firsts.length;
      seen.set(key, u);
      firsts.push(b);
    }
    index[b] = u;
  }
  const M = firsts.length;
  const unique = new Uint8Array(M * C);
  firsts.forEach((b, u) => unique.set(masks.subarray(b * C, b * C + C), u * C));
  return { unique, M, index };
}
