/**
 * Deduplication plan for the batched GAT (pure JS, no tensors).
 *
 * A node's output after layer ℓ is a deterministic function of the rows its inputs (itself and its
 * in-neighbours) hold after layer ℓ−1. So instead of running the GAT once per mask, each layer computes one
 * row per distinct *input tuple* of each node ("unit"). Consequences, with no special casing:
 *  - a condition node (no in-edges) has at most 2 units per layer: active / inactive, shared by all masks
 *    (the precomputed two states of every condition);
 *  - an operator has one unit per distinct combination of its in-neighbours' bits in the batch (its
 *    "sub-mask"), usually far fewer than the number of distinct full masks; its layer-1 output is an edge
 *    softmax over precomputed condition states;
 *  - a node whose inputs never vary (e.g. an effect at layer 1, fed by operators whose layer-0 features do
 *    not depend on the mask) has one unit, computed once for the whole batch.
 * Edge-level work then runs over the edges of these units only (kernels/attend.ts).
 *
 * Masks are first deduplicated on the conditions that have an out-edge: the others cannot reach an operator
 * or an effect, so they change neither h_logic nor the operator scores.
 */
import type { Hypergraph } from "../knowledge/index.js";
import type { AttendIndex } from "./kernels/index.js";

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
  /** Condition indices (mask columns) with at least one out-edge. */
  relevantConds: Int32Array;
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
  const hasOut = new Uint8Array(N);
  for (let e = 0; e < E; e++) if (g.edgeSrc[e] !== g.edgeDst[e]) hasOut[g.edgeSrc[e]] = 1;
  const relevant: number[] = [];
  g.conditionNodes.forEach((n, c) => {
    if (hasOut[n]) relevant.push(c);
  });
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
    relevantConds: Int32Array.from(relevant),
  };
}

export interface LayerPlan extends AttendIndex {
  /** Units (output rows) of this layer (= numSeg). */
  numUnits: number;
  /** Rows of the layer's input table. */
  numRows: number;
  /** Per unit: the row of its own node in the previous table (residual input and destination score). */
  selfRow: Int32Array;
  rel: Int32Array;
  dst: Int32Array;
  /** Units that have at least one incoming edge besides the self-loop (for the attention-entropy metric). */
  numAttending: number;
}

export interface GatPlan {
  M: number;
  numRows0: number;
  layers: LayerPlan[];
  /** Readout: per mask, its readout nodes' rows of the last table (segment = mask). */
  readout: AttendIndex;
  /** Per (mask, operator) the row of the last table. */
  opIdx: Int32Array;
}

/** Open-addressing map int key → dense id, cleared in O(1) by a generation stamp. */
class IdTable {
  private keys = new Int32Array(0);
  private vals = new Int32Array(0);
  private stamp = new Int32Array(0);
  private gen = 0;
  private shift = 32;
  private mask = 0;

  /** Starts a new mapping for at most n distinct keys. */
  begin(n: number): void {
    let cap = 16;
    while (cap < 2 * n) cap *= 2;
    if (cap > this.keys.length) {
      this.keys = new Int32Array(cap);
      this.vals = new Int32Array(cap);
      this.stamp = new Int32Array(cap);
      this.gen = 0;
    }
    this.mask = cap - 1;
    this.shift = 32 - Math.log2(cap);
    this.gen++;
    if (this.gen > 0x3fffffff) {
      this.stamp.fill(0);
      this.gen = 1;
    }
  }

  /** Dense id of key; a new key gets id `next` (returned as −1 − next so the caller can count). */
  get(key: number, next: number): number {
    let h = Math.imul(key, 0x9e3779b1) >>> this.shift;
    for (;;) {
      if (this.stamp[h] !== this.gen) {
        this.stamp[h] = this.gen;
        this.keys[h] = key;
        this.vals[h] = next;
        return -1 - next;
      }
      if (this.keys[h] === key) return this.vals[h];
      h = (h + 1) & this.mask;
    }
  }
}

const table = new IdTable();

/**
 * Renumbers keys[0..M) to dense ids in order of first occurrence (in place); returns the number of ids.
 * Keys must be < 2^31.
 */
function compact(keys: Int32Array, M: number): number {
  table.begin(M);
  let n = 0;
  for (let m = 0; m < M; m++) {
    const id = table.get(keys[m], n);
    if (id < 0) {
      keys[m] = n++;
    } else keys[m] = id;
  }
  return n;
}

const KEY_LIMIT = 2 ** 30;
const DIRECT = 1 << 16;
const direct = new Int32Array(DIRECT).fill(-1);

function keyFirst(key: Int32Array, ids: Int32Array, M: number): void {
  for (let m = 0; m < M; m++) key[m] = ids[m];
}

function keyNext(key: Int32Array, ids: Int32Array, c: number, M: number): void {
  for (let m = 0; m < M; m++) key[m] = key[m] * c + ids[m];
}

/** Dense ids (in order of first occurrence) of small keys through the direct table, which is reset after. */
function assignDirect(key: Int32Array, out: Int32Array, first: Int32Array, M: number): number {
  let units = 0;
  for (let m = 0; m < M; m++) {
    const kk = key[m];
    let u = direct[kk];
    if (u < 0) {
      u = units++;
      direct[kk] = u;
      first[u] = m;
    }
    out[m] = u;
  }
  for (let u = 0; u < units; u++) direct[key[first[u]]] = -1;
  return units;
}

/** First occurrences of already dense ids (copied to out). */
function assignIds(key: Int32Array, out: Int32Array, first: Int32Array, units: number, M: number): void {
  first.fill(-1, 0, units);
  for (let m = 0; m < M; m++) {
    const u = key[m];
    if (first[u] < 0) first[u] = m;
    out[m] = u;
  }
}

/** Builds the plan for M distinct masks (row-major [M × numConditions], nonzero = active). */
export function buildPlan(st: GatStructure, masks: Uint8Array, M: number, numLayers: number): GatPlan {
  const N = st.numNodes;
  const C = st.numConditions;
  // unit[n][m]: which of node n's rows mask m uses, relative to the node's first row (offset[n]). Nodes whose
  // row never varies share one zero array; a node whose units carry over to the next layer keeps its array.
  const zeros = new Int32Array(M);
  let unit: Int32Array[] = new Array<Int32Array>(N);
  // count[n]: distinct rows node n takes in the batch (a condition's layer-0 table has both rows either way).
  let count = new Int32Array(N);
  let offset = st.row0Offset;
  // changed[n]: node n's partition of the masks got finer in the last layer (at layer 0: it varies at all).
  let changed = new Uint8Array(N);
  for (let n = 0; n < N; n++) {
    const c = st.condOf[n];
    if (c < 0) {
      unit[n] = zeros;
      count[n] = 1;
    } else {
      const bits = new Int32Array(M);
      let on = 0;
      for (let m = 0; m < M; m++) {
        const b = masks[m * C + c] !== 0 ? 1 : 0;
        bits[m] = b;
        on += b;
      }
      unit[n] = bits;
      count[n] = on > 0 && on < M ? 2 : 1;
    }
    changed[n] = count[n] > 1 ? 1 : 0;
  }
  const layers: LayerPlan[] = [];
  const key = new Int32Array(M);
  const first = new Int32Array(M);
  let prevRep: Int32Array | undefined;
  for (let l = 0; l < numLayers; l++) {
    const nextUnit = new Array<Int32Array>(N);
    const nextCount = new Int32Array(N);
    const nextOffset = new Int32Array(N + 1);
    const nextChanged = new Uint8Array(N);
    let unitNode = new Int32Array(Math.max(16, 2 * N));
    let unitRep = new Int32Array(unitNode.length);
    let U = 0;
    for (let n = 0; n < N; n++) {
      const inputs = st.keyInputs[n];
      // A node's partition only gets finer through its in-neighbours (it is always an input of itself): if
      // none of them changed in the last layer, its units are the last layer's (conditions after layer 1,
      // operators after layer 2, …). Layer-0 rows of conditions are not units (unit 0 must be the first
      // mask's), so they are always keyed.
      let reuse = l > 0 || st.condOf[n] < 0;
      for (let i = 1; reuse && i < inputs.length; i++) if (changed[inputs[i]]) reuse = false;
      let units: number;
      if (reuse) {
        units = count[n];
        nextUnit[n] = unit[n];
        for (let u = 0; u < units; u++) first[u] = prevRep ? prevRep[offset[n] + u] : 0;
      } else {
        // Mixed-radix key of the varying inputs' units (compacted to dense ids whenever it would overflow).
        let radix = 1;
        for (let i = 0; i < inputs.length; i++) {
          const j = inputs[i];
          const c = count[j];
          if (c <= 1) continue;
          if (radix === 1) keyFirst(key, unit[j], M);
          else {
            if (radix * c > KEY_LIMIT) radix = compact(key, M);
            keyNext(key, unit[j], c, M);
          }
          radix *= c;
        }
        if (radix === 1) {
          units = 1;
          nextUnit[n] = zeros;
          first[0] = 0;
        } else {
          const ids = new Int32Array(M);
          if (radix <= DIRECT) units = assignDirect(key, ids, first, M);
          else {
            units = compact(key, M);
            assignIds(key, ids, first, units, M);
          }
          nextUnit[n] = units > 1 ? ids : zeros;
        }
      }
      if (U + units > unitNode.length) {
        const cap = Math.max(2 * unitNode.length, U + units);
        const a = new Int32Array(cap);
        a.set(unitNode);
        unitNode = a;
        const b = new Int32Array(cap);
        b.set(unitRep);
        unitRep = b;
      }
      // Representative mask of each unit: its first occurrence.
      for (let u = 0; u < units; u++) {
        unitNode[U + u] = n;
        unitRep[U + u] = first[u];
      }
      nextCount[n] = units;
      nextOffset[n + 1] = nextOffset[n] + units;
      nextChanged[n] = units !== count[n] ? 1 : 0;
      U += units;
    }
    let K = 0;
    let maxDeg = 0;
    for (let u = 0; u < U; u++) {
      const n = unitNode[u];
      const d = 1 + st.inStart[n + 1] - st.inStart[n];
      K += d;
      if (d > maxDeg) maxDeg = d;
    }
    const selfRow = new Int32Array(U);
    const segStart = new Int32Array(U + 1);
    const src = new Int32Array(K);
    const rel = new Int32Array(K);
    let k = 0;
    let attending = 0;
    for (let u = 0; u < U; u++) {
      const n = unitNode[u];
      const r = unitRep[u];
      const me = offset[n] + unit[n][r];
      selfRow[u] = me;
      segStart[u] = k;
      src[k] = me;
      rel[k++] = st.selfRel;
      for (let p = st.inStart[n]; p < st.inStart[n + 1]; p++) {
        const j = st.inSrc[p];
        src[k] = offset[j] + unit[j][r];
        rel[k++] = st.inRel[p];
      }
      if (st.inStart[n + 1] > st.inStart[n]) attending++;
    }
    segStart[U] = k;
    layers.push({
      numUnits: U,
      numSeg: U,
      numRows: offset[N],
      selfRow,
      dst: selfRow,
      segStart,
      src,
      rel,
      maxDeg,
      numAttending: attending,
    });
    unit = nextUnit;
    count = nextCount;
    offset = nextOffset;
    changed = nextChanged;
    prevRep = unitRep;
  }
  const P = st.readoutNodes.length;
  const readIdx = new Int32Array(M * P);
  const readStart = new Int32Array(M + 1);
  for (let i = 0; i < P; i++) {
    const n = st.readoutNodes[i];
    const ids = unit[n];
    const o = offset[n];
    for (let m = 0; m < M; m++) readIdx[m * P + i] = o + ids[m];
  }
  for (let m = 0; m <= M; m++) readStart[m] = m * P;
  const O = st.operatorNodes.length;
  const opIdx = new Int32Array(M * O);
  for (let j = 0; j < O; j++) {
    const n = st.operatorNodes[j];
    const ids = unit[n];
    const o = offset[n];
    for (let m = 0; m < M; m++) opIdx[m * O + j] = o + ids[m];
  }
  return {
    M,
    numRows0: st.row0Offset[N],
    layers,
    readout: { numSeg: M, segStart: readStart, src: readIdx, maxDeg: P },
    opIdx,
  };
}

export interface MaskDedup {
  /** Distinct masks (rows of the batch, full width), [M × C]. */
  unique: Uint8Array;
  M: number;
  /** Per sample: its row in unique. */
  index: Int32Array;
}

/**
 * Per-sample dedup of condition masks: unique rows and, per sample, the index of its unique row. With `cols`,
 * rows that agree on those columns count as equal (the first one represents them).
 */
export function dedupMasks(masks: Uint8Array, B: number, C: number, cols?: Int32Array): MaskDedup {
  const colList = cols ?? Int32Array.from({ length: C }, (_, c) => c);
  const nc = colList.length;
  // Pack each row's bits (on the chosen columns) into 32-bit words, then hash and compare words.
  const nw = Math.max(1, Math.ceil(nc / 32));
  const words = new Int32Array(B * nw);
  for (let b = 0; b < B; b++) {
    const o = b * C;
    const wo = b * nw;
    for (let i = 0; i < nc; i++) if (masks[o + colList[i]] !== 0) words[wo + (i >> 5)] |= 1 << (i & 31);
  }
  const index = new Int32Array(B);
  let cap = 16;
  while (cap < 2 * B) cap *= 2;
  const slot = new Int32Array(cap).fill(-1); // → representative sample
  const slotId = new Int32Array(cap);
  const firsts: number[] = [];
  const shift = 32 - Math.log2(cap);
  for (let b = 0; b < B; b++) {
    const wo = b * nw;
    let h = 0x811c9dc5;
    for (let w = 0; w < nw; w++) h = Math.imul(h ^ words[wo + w], 0x01000193);
    let s = Math.imul(h ^ (h >>> 15), 0x9e3779b1) >>> shift;
    for (;;) {
      const r = slot[s];
      if (r < 0) {
        slot[s] = b;
        slotId[s] = firsts.length;
        index[b] = firsts.length;
        firsts.push(b);
        break;
      }
      const ro = r * nw;
      let same = true;
      for (let w = 0; w < nw; w++) {
        if (words[ro + w] !== words[wo + w]) {
          same = false;
          break;
        }
      }
      if (same) {
        index[b] = slotId[s];
        break;
      }
      s = (s + 1) & (cap - 1);
    }
  }
  const M = firsts.length;
  const unique = new Uint8Array(M * C);
  firsts.forEach((b, u) => unique.set(masks.subarray(b * C, b * C + C), u * C));
  return { unique, M, index };
}
