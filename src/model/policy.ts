/**
 * The policy: visual stream + hypergraph GAT → router → K experts (fused logits) + critic.
 * `evaluate` builds every output as tensors (for the trainer's loss closure); `act` is evaluate + sampling,
 * so acting and updating run the same function on the same stored features.
 */
import * as tf from "@tensorflow/tfjs-core";
import { BLSTATS_SIZE } from "../env/index.js";
import { shuffleConditionEdges, type Hypergraph } from "../knowledge/index.js";
import { MAX_GLYPH } from "../nethack/index.js";
import { InvalidArgumentError, Rng } from "../util/index.js";
import type { ModelConfig, ModelConfigInput } from "./config.js";
import { ModelConfigSchema } from "./config.js";
import { Experts } from "./experts.js";
import { NUM_OCLASSES } from "./features.js";
import { dedupMasks } from "./gat-plan.js";
import { HypergraphGat } from "./gat.js";
import { gather0 } from "./kernels/index.js";
import { Mlp } from "./layers.js";
import { GraphOpinion, confidentRows } from "./opinion.js";
import type { NamedArray } from "./params.js";
import { ParamStore } from "./params.js";
import { ROUTER_BUFFERS, ROUTER_OUT_GAIN, Router } from "./router.js";
import { VisualEncoder } from "./visual.js";
import { graphSummary, readModelFile, readWeights, writeWeights } from "./weights-io.js";

/** Name of the opinion's expert prior ḡ among the weights (a buffer, not trained by gradient). */
export const OPINION_PRIOR = "opinion.prior";

/** Logit given to actions the action mask forbids. */
export const MASKED_LOGIT = -1e9;
export { ROUTER_OUT_GAIN };

export interface PolicyBatch {
  B: number;
  /** [B × 27] scaled blstats (see encodeObservations). */
  blstats: Float32Array;
  /** [B × cropSize²] glyph ids. */
  crop: Int32Array;
  /** [B × 18] inventory summary. */
  inv: Float32Array;
  /** [B × numConditions] condition mask, nonzero = active. */
  masks: Uint8Array;
  /** Optional [B × A] action mask, nonzero = allowed. */
  actionMask?: Uint8Array;
}

export interface PolicyEval {
  /** Fused, masked logits [B, A]. */
  logits: tf.Tensor2D;
  /** log π(a|s) for the given actions [B] (when actions were passed). */
  logProb?: tf.Tensor1D;
  /** Log-softmax of the fused logits [B, A]. */
  logProbs: tf.Tensor2D;
  entropy: tf.Tensor1D;
  value: tf.Tensor1D;
  /** Expert weights [B, K] (a column of ones for the single-head "ppo" policy). */
  alpha: tf.Tensor2D;
  /** Raw router logits [B, K] (absent without a router). */
  routerLogits?: tf.Tensor2D;
  expertLogits: tf.Tensor3D;
  /** GAT operator utilities u_j(s) [B, numOps] (absent without the logic stream). */
  operatorScores?: tf.Tensor2D;
  /** The graph's opinion g [B, K] (see opinion.ts; absent without the logic stream). */
  opinion?: tf.Tensor2D;
  /** g before the expert prior [B, K] (what the operator-utility loss fits; see opinion.ts). */
  opinionRaw?: tf.Tensor2D;
  /** [B] 1 where the opinion exists (some operator enabled). */
  opinionValid?: Float32Array;
  /** [B] 1 where the opinion is confident (exists and its largest share ≥ `confidence`); evaluate() only. */
  opinionConfident?: Float32Array;
  /** log π_G(a|s) of the given actions [B] (when actions were passed and the graph is used). */
  opinionLogProb?: tf.Tensor1D;
  /** [B] 1 where an enabled operator carries out the given action (π_G(a|s) > 0 by structure). */
  opinionCovered?: Float32Array;
  hVis: tf.Tensor2D;
  hLogic?: tf.Tensor2D;
  gatAttentionEntropy?: tf.Scalar;
  /** Distinct condition masks in the batch (GAT work scales with this, not with B). */
  uniqueMasks: number;
  /** [B, operators + effects] readout attention (acting only, see GatOutput). */
  readoutAttention?: tf.Tensor2D;
}

export interface ActOptions {
  rng: Rng;
  greedy?: boolean;
  /** Also return expert logits [B × K × A]. */
  expertLogits?: boolean;
  /**
   * Reuse the logic stream's outputs for condition masks already seen since the last `clearLogicCache()` (the
   * GAT depends on the weights and the mask only). For acting in bulk with fixed weights — a rollout: call
   * `clearLogicCache()` whenever the weights change (setWeights does). No readout attention is returned.
   */
  cacheLogic?: boolean;
}

export interface ActResult {
  action: Int32Array;
  logProb: Float32Array;
  value: Float32Array;
  alpha: Float32Array;
  /** [B × numOps] operator utilities (empty without the logic stream). */
  operatorScores: Float32Array;
  /** [B × K] the graph's opinion (empty without the logic stream). */
  opinion: Float32Array;
  /** [B] 1 where the opinion exists (empty without the logic stream). */
  opinionValid: Float32Array;
  /** [B × K] g before the expert prior (empty without the logic stream): what the prior ḡ averages. */
  opinionRaw: Float32Array;
  /** Mean entropy of the GAT's last-layer attention over the batch's distinct masks (null without a GAT). */
  gatAttentionEntropy: number | null;
  /** [B × (operators + effects)] readout attention of the logic stream (operators first, graph order). */
  readoutAttention?: Float32Array;
  expertLogits?: Float32Array;
}

export interface Policy {
  readonly config: ModelConfig;
  readonly graph: Hypergraph;
  readonly numActions: number;
  readonly numExperts: number;
  readonly numConditions: number;
  readonly numOperators: number;
  readonly expertNames: readonly string[];
  /** "moe-graph" | "moe" | "ppo" (config.arch). */
  readonly arch: ModelConfig["arch"];
  /** The graph the policy reasons over (shuffled for the shuffled-graph ablation; `graph` is the one given). */
  readonly policyGraph: Hypergraph;
  /** The router (τ, balance bias, statistics); null for the single-head "ppo" policy. */
  readonly router: Router | null;
  /** The opinion's confidence threshold (config.opinion.confidence). */
  readonly confidence: number;
  /** ḡ, the experts' mean shares of g (null without a graph opinion); saved with the weights as `opinion.prior`. */
  readonly opinionPrior: Float32Array | null;
  /** Sets ḡ (config.opinion.prior "balanced"; the trainer sets it before each update from the rollout's g). */
  setOpinionPrior(p: ArrayLike<number>): void;
  evaluate(batch: PolicyBatch, actions?: Int32Array): PolicyEval;
  act(batch: PolicyBatch, opts: ActOptions): ActResult;
  /** The variables to train: by default ONE flat variable holding every parameter (config.packParams). */
  trainableVariables(): tf.Variable[];
  /** Gradients over trainableVariables() split into the named parameters (for per-block metrics and tests). */
  namedGradients?(grads: tf.NamedTensorMap | tf.Tensor[]): Map<string, NamedArray>;
  numParams(): number;
  getWeights(): Map<string, NamedArray>;
  setWeights(w: Map<string, NamedArray>): void;
  /** Forgets the logic stream's cached outputs (see ActOptions.cacheLogic). */
  clearLogicCache(): void;
  save(dir: string): void;
  load(dir: string): void;
  dispose(): void;
}

class MoePolicy implements Policy {
  readonly numActions: number;
  readonly numExperts: number;
  readonly numConditions: number;
  readonly numOperators: number;
  readonly expertNames: readonly string[];
  private readonly ps: ParamStore;
  readonly arch: ModelConfig["arch"];
  readonly policyGraph: Hypergraph;
  readonly router: Router | null;
  readonly confidence: number;
  private readonly visual: VisualEncoder;
  private readonly gat: HypergraphGat | null;
  private readonly opinionHead: GraphOpinion | null;
  private readonly experts: Experts;
  private readonly critic: Mlp;
  private disposed = false;
  /** The logic stream's outputs per mask key under the current weights (ActOptions.cacheLogic). */
  private readonly logicCache = new Map<string, { h: Float32Array; ops: Float32Array }>();

  constructor(
    readonly config: ModelConfig,
    readonly graph: Hypergraph,
  ) {
    this.arch = config.arch;
    // The single-head baseline has one "expert" whatever numExperts says: no router, α ≡ 1.
    const K = config.arch === "ppo" ? 1 : config.numExperts;
    this.numActions = config.numActions;
    this.numExperts = K;
    this.confidence = config.opinion.confidence;
    this.numConditions = graph.conditionNodes.length;
    this.numOperators = graph.operatorNodes.length;
    if (config.arch !== "ppo" && config.expertNames && config.expertNames.length !== K) {
      throw new InvalidArgumentError("expertNames", config.expertNames, `${K} names (numExperts)`);
    }
    this.expertNames =
      config.arch === "ppo"
        ? ["policy"]
        : (config.expertNames ??
          (graph.experts.length === K
            ? [...graph.experts]
            : Array.from({ length: K }, (_, k) => `expert${k}`)));
    validateGraph(graph);
    this.policyGraph =
      config.graphShuffleSeed === null ? graph : shuffleConditionEdges(graph, config.graphShuffleSeed);
    const rng = new Rng(config.seed);
    this.ps = new ParamStore(config.packParams);
    // One child stream per block, so resizing one block does not change the others' initial values.
    this.visual = new VisualEncoder(this.ps, rng.fork(), config.visual);
    const gatRng = rng.fork();
    const withGraph = config.arch === "moe-graph";
    this.gat = withGraph ? new HypergraphGat(this.ps, gatRng, this.policyGraph, config.gat) : null;
    this.opinionHead =
      withGraph && graph.experts.length === K
        ? new GraphOpinion(this.policyGraph, K, config.numActions)
        : null;
    const joint = config.visual.hidden + (withGraph ? config.gat.logicDim : 0);
    const routerRng = rng.fork();
    this.router =
      config.arch === "ppo"
        ? null
        : new Router(
            this.ps,
            routerRng,
            joint,
            config.router.hidden,
            K,
            config.router.normalize,
            config.routing,
          );
    this.experts = new Experts(
      this.ps,
      rng.fork(),
      config.visual.hidden,
      config.experts.hidden,
      config.numActions,
      K,
    );
    this.critic = new Mlp(this.ps, "critic", rng.fork(), joint, config.critic.hidden, 1);
    this.ps.build();
  }

  evaluate(batch: PolicyBatch, actions?: Int32Array): PolicyEval {
    return this.forward(batch, actions, false);
  }

  private forward(
    batch: PolicyBatch,
    actions: Int32Array | undefined,
    inference: boolean,
    cacheLogic = false,
  ): PolicyEval {
    this.checkAlive();
    this.validateBatch(batch);
    const { B } = batch;
    const A = this.numActions;
    const K = this.numExperts;
    if (actions) {
      if (actions.length !== B) throw new InvalidArgumentError("actions length", actions.length, `B = ${B}`);
      for (const a of actions)
        if (!Number.isInteger(a) || a < 0 || a >= A)
          throw new InvalidArgumentError("action", a, `an integer in [0, ${A})`);
    }
    this.ps.begin(inference);
    const bl = tf.tensor2d(batch.blstats, [B, BLSTATS_SIZE]);
    const inv = tf.tensor2d(batch.inv, [B, NUM_OCLASSES]);
    const hVis = this.visual.forward(B, bl, batch.crop, inv);
    const gr = this.gat ? (cacheLogic ? this.logicCached(batch) : this.logic(batch, inference)) : null;
    const joint = gr ? tf.concat([hVis, gr.hLogic], 1) : hVis;
    let opinion: ReturnType<GraphOpinion["forward"]> | undefined;
    let enabled: Uint8Array | undefined;
    if (gr && this.opinionHead) {
      enabled = this.opinionHead.enabled(batch.masks, B);
      opinion = this.opinionHead.forward(gr.operatorScores, enabled);
    }
    let alpha: tf.Tensor2D;
    let routerLogits: tf.Tensor2D | undefined;
    if (this.router) {
      // The balance bias skips states where the graph is confident (read back only when a bias is set).
      const unbiased =
        opinion && this.router.bias.some((v) => v !== 0)
          ? confidentRows(opinion.probs.dataSync(), opinion.valid, K, this.confidence)
          : undefined;
      const prior =
        opinion && this.config.router.prior === "opinion"
          ? { opinion: opinion.probs, residual: this.config.router.residual }
          : undefined;
      const r = this.router.forward(joint, unbiased, prior);
      alpha = r.alpha;
      routerLogits = r.logits;
    } else {
      alpha = tf.ones([B, 1]);
    }
    const expertLogits = this.experts.apply(hVis);
    // Σ_k α_k · expert_k (elementwise: a batched [1,K]·[K,A] product is B tiny matmuls on wasm).
    let logits = tf.sum(tf.mul(tf.reshape(alpha, [B, K, 1]), expertLogits), 1) as tf.Tensor2D;
    if (batch.actionMask) {
      const allowed = tf.tensor2d(batch.actionMask, [B, A], "bool");
      logits = tf.where(allowed, logits, tf.fill([B, A], MASKED_LOGIT)) as tf.Tensor2D;
    }
    const logProbs = tf.logSoftmax(logits);
    const entropy = tf.neg(tf.sum(tf.mul(tf.exp(logProbs), logProbs), 1)) as tf.Tensor1D;
    const value = tf.reshape(this.critic.apply(joint), [B]) as tf.Tensor1D;
    let logProb: tf.Tensor1D | undefined;
    let opinionLogProb: tf.Tensor1D | undefined;
    let opinionCovered: Float32Array | undefined;
    if (actions) {
      const oh = tf.tensor2d(oneHot(actions, A), [B, A]);
      logProb = tf.sum(tf.mul(logProbs, oh), 1) as tf.Tensor1D;
      if (opinion && enabled) {
        opinionLogProb = tf.log(tf.add(tf.sum(tf.mul(opinion.actionProbs, oh), 1), 1e-8)) as tf.Tensor1D;
        opinionCovered = this.opinionHead!.covers(enabled, actions);
      }
    }
    return {
      logits,
      logProb,
      logProbs,
      entropy,
      value,
      alpha,
      routerLogits,
      expertLogits,
      operatorScores: gr?.operatorScores,
      opinion: opinion?.probs,
      opinionRaw: opinion?.raw,
      opinionValid: opinion?.valid,
      // Read back here, outside any loss: a comparison has no gradient, so the update needs it as a constant.
      opinionConfident:
        opinion && !inference
          ? Float32Array.from(confidentRows(opinion.probs.dataSync(), opinion.valid, K, this.confidence))
          : undefined,
      opinionLogProb,
      opinionCovered,
      hVis,
      hLogic: gr?.hLogic,
      gatAttentionEntropy: gr?.attentionEntropy,
      uniqueMasks: gr?.uniqueMasks ?? 0,
      readoutAttention: gr?.readoutAttention,
    };
  }

  /**
   * The logic stream for acting with the cache: the GAT runs only on distinct masks not seen since the cache
   * was cleared; every row is then assembled from cached values (one copy per row, no tensor gather).
   */
  private logicCached(batch: PolicyBatch) {
    const gat = this.gat!;
    const C = this.numConditions;
    const cols = gat.st.relevantConds;
    const dd = dedupMasks(batch.masks, batch.B, C, cols);
    const L = this.config.gat.logicDim;
    const O = this.numOperators;
    const rows: { h: Float32Array; ops: Float32Array }[] = new Array(dd.M);
    const keys: string[] = new Array(dd.M);
    const miss: number[] = [];
    for (let m = 0; m < dd.M; m++) {
      // The key: the mask's bits on the columns the GAT reads, 16 to a character.
      let key = "";
      for (let i = 0; i < cols.length; i += 16) {
        let w = 0;
        for (let j = 0; j < 16 && i + j < cols.length; j++) if (dd.unique[m * C + cols[i + j]]) w |= 1 << j;
        key += String.fromCharCode(w);
      }
      keys[m] = key;
      const hit = this.logicCache.get(key);
      if (hit) rows[m] = hit;
      else miss.push(m);
    }
    let attentionEntropy: tf.Scalar | undefined;
    if (miss.length) {
      const sub = new Uint8Array(miss.length * C);
      miss.forEach((m, i) => sub.set(dd.unique.subarray(m * C, (m + 1) * C), i * C));
      const g = gat.forward(gat.plan(sub, miss.length), false);
      const h = g.hLogic.dataSync() as Float32Array;
      const ops = g.operatorScores.dataSync() as Float32Array;
      miss.forEach((m, i) => {
        const r = { h: h.slice(i * L, (i + 1) * L), ops: ops.slice(i * O, (i + 1) * O) };
        this.logicCache.set(keys[m], r);
        rows[m] = r;
      });
      attentionEntropy = g.attentionEntropy;
    }
    const B = batch.B;
    const hAll = new Float32Array(B * L);
    const opsAll = new Float32Array(B * O);
    for (let b = 0; b < B; b++) {
      const r = rows[dd.index[b]];
      hAll.set(r.h, b * L);
      opsAll.set(r.ops, b * O);
    }
    return {
      hLogic: tf.tensor2d(hAll, [B, L]),
      operatorScores: tf.tensor2d(opsAll, [B, O]),
      attentionEntropy,
      uniqueMasks: dd.M,
      readoutAttention: undefined,
    };
  }

  clearLogicCache(): void {
    this.logicCache.clear();
  }

  /** The logic stream: the GAT once per distinct condition mask, rows gathered back to the batch. */
  private logic(batch: PolicyBatch, inference: boolean) {
    const gat = this.gat!;
    const dd = dedupMasks(batch.masks, batch.B, this.numConditions, gat.st.relevantConds);
    const g = gat.forward(gat.plan(dd.unique, dd.M), inference);
    return {
      hLogic: gather0(g.hLogic, dd.index) as tf.Tensor2D,
      operatorScores: gather0(g.operatorScores, dd.index) as tf.Tensor2D,
      attentionEntropy: g.attentionEntropy,
      uniqueMasks: dd.M,
      readoutAttention: g.readoutAttention
        ? (gather0(g.readoutAttention, dd.index) as tf.Tensor2D)
        : undefined,
    };
  }

  act(batch: PolicyBatch, opts: ActOptions): ActResult {
    if (!opts || !(opts.rng instanceof Rng))
      throw new InvalidArgumentError("act options rng", opts?.rng, "a Rng instance");
    const { B } = batch;
    const A = this.numActions;
    // The tidy returns tensors, read afterwards: a typed array returned from tf.tidy is walked element by
    // element (tfjs looks for tensors inside any object it returns), which costs more than the forward pass.
    let valid: Float32Array = new Float32Array(0);
    const out = tf.tidy(() => {
      const ev = this.forward(batch, undefined, true, opts.cacheLogic === true);
      valid = ev.opinionValid ?? new Float32Array(0);
      const none = tf.zeros([0]);
      return [
        ev.logProbs,
        ev.value,
        ev.alpha,
        ev.operatorScores ?? none,
        ev.opinion ?? none,
        ev.readoutAttention ?? none,
        opts.expertLogits ? ev.expertLogits : none,
        ev.opinionRaw ?? none,
        ev.gatAttentionEntropy ?? none,
      ];
    });
    const data = out.map((t) => t.dataSync() as Float32Array);
    tf.dispose(out);
    const read = {
      logp: data[0],
      value: data[1],
      alpha: data[2],
      ops: data[3],
      opinion: data[4],
      readout: data[5],
      expert: data[6],
      raw: data[7],
      gatEntropy: data[8],
    };
    const action = new Int32Array(B);
    const logProb = new Float32Array(B);
    for (let b = 0; b < B; b++) {
      const row = read.logp.subarray(b * A, (b + 1) * A);
      let a = 0;
      if (opts.greedy) {
        for (let i = 1; i < A; i++) if (row[i] > row[a]) a = i;
      } else {
        const u = opts.rng.next();
        let c = 0;
        a = -1;
        let lastAllowed = 0;
        for (let i = 0; i < A; i++) {
          const p = Math.exp(row[i]);
          if (p > 0) lastAllowed = i;
          c += p;
          if (u < c) {
            a = i;
            break;
          }
        }
        if (a < 0) a = lastAllowed; // rounding: Σp slightly below 1
      }
      action[b] = a;
      logProb[b] = row[a];
    }
    return {
      action,
      logProb,
      value: read.value,
      alpha: read.alpha,
      operatorScores: read.ops,
      opinion: read.opinion,
      opinionValid: valid,
      opinionRaw: read.raw,
      gatAttentionEntropy: read.gatEntropy.length ? read.gatEntropy[0] : null,
      readoutAttention: this.gat ? read.readout : undefined,
      expertLogits: opts.expertLogits ? read.expert : undefined,
    };
  }

  trainableVariables(): tf.Variable[] {
    return this.ps.list();
  }
  namedGradients(grads: tf.NamedTensorMap | tf.Tensor[]): Map<string, NamedArray> {
    return this.ps.namedGradients(grads);
  }
  numParams(): number {
    return this.ps.numParams();
  }
  get opinionPrior(): Float32Array | null {
    return this.opinionHead ? this.opinionHead.prior : null;
  }
  setOpinionPrior(p: ArrayLike<number>): void {
    if (!this.opinionHead)
      throw new InvalidArgumentError(
        "opinion prior",
        "set",
        `a policy with a graph opinion (arch ${this.arch})`,
      );
    this.opinionHead.setPrior(p);
  }

  getWeights(): Map<string, NamedArray> {
    const w = this.ps.getWeights();
    if (this.router) for (const [n, v] of this.router.buffers()) w.set(n, v);
    if (this.opinionHead) w.set(OPINION_PRIOR, { shape: [this.numExperts], values: this.opinionHead.prior });
    return w;
  }
  /** The router's buffers may be absent (weights saved before they existed): zero bias, identity statistics. */
  setWeights(w: Map<string, NamedArray>): void {
    this.logicCache.clear();
    const rest = new Map(w);
    for (const n of [...ROUTER_BUFFERS, OPINION_PRIOR]) rest.delete(n);
    this.ps.setWeights(rest);
    this.router?.loadBuffers(w);
    // Weights saved before the prior existed: uniform (the opinion is then g itself).
    this.opinionHead?.setPrior(w.get(OPINION_PRIOR)?.values ?? new Float32Array(this.numExperts).fill(1));
  }

  save(dir: string): void {
    writeWeights(dir, this.getWeights(), this.config, this.graph);
  }

  load(dir: string): void {
    const expected = new Map(this.ps.entries());
    const buffers: string[] = [
      ...(this.router ? ROUTER_BUFFERS : []),
      ...(this.opinionHead ? [OPINION_PRIOR] : []),
    ];
    for (const n of buffers) expected.set(n, [this.numExperts]);
    this.setWeights(readWeights(dir, expected, this.graph, new Set(buffers)));
  }

  dispose(): void {
    this.logicCache.clear();
    this.ps.dispose();
    this.disposed = true;
  }

  private checkAlive(): void {
    if (this.disposed) throw new Error("policy used after dispose()");
  }

  private validateBatch(b: PolicyBatch): void {
    const { B } = b;
    if (!Number.isInteger(B) || B < 1) throw new InvalidArgumentError("batch size B", B, "an integer ≥ 1");
    const cells = this.config.visual.cropSize ** 2;
    const want: [string, { length: number } | undefined, number][] = [
      ["blstats", b.blstats, B * BLSTATS_SIZE],
      ["crop", b.crop, B * cells],
      ["inv", b.inv, B * NUM_OCLASSES],
      ["masks", b.masks, B * this.numConditions],
    ];
    if (b.actionMask) want.push(["actionMask", b.actionMask, B * this.numActions]);
    for (const [name, arr, n] of want) {
      if (!arr || arr.length !== n)
        throw new InvalidArgumentError(`batch.${name} length`, arr?.length, `${n}`);
    }
    for (let i = 0; i < b.crop.length; i++) {
      const g = b.crop[i];
      if (!(g >= 0 && g <= MAX_GLYPH))
        throw new InvalidArgumentError(`batch.crop[${i}]`, g, `a glyph id in [0, ${MAX_GLYPH}]`);
    }
    if (b.actionMask) {
      const A = this.numActions;
      for (let r = 0; r < B; r++) {
        let any = false;
        for (let a = 0; a < A; a++) if (b.actionMask[r * A + a]) any = true;
        if (!any)
          throw new InvalidArgumentError(
            `batch.actionMask row ${r}`,
            "all actions forbidden",
            "at least one allowed action",
          );
      }
    }
  }
}

function validateGraph(g: Hypergraph): void {
  const N = g.numNodes;
  if (!(N > 0) || g.nodeType.length !== N)
    throw new InvalidArgumentError("graph.numNodes", N, "> 0 and equal to nodeType.length");
  if (g.conditionNodes.length === 0)
    throw new InvalidArgumentError("graph.conditionNodes", "empty", "at least one condition node");
  if (g.operatorNodes.length + g.effectNodes.length === 0)
    throw new InvalidArgumentError("graph", "no operator or effect nodes", "at least one (readout)");
  const E = g.edgeSrc.length;
  if (g.edgeDst.length !== E || g.edgeRelation.length !== E)
    throw new InvalidArgumentError(
      "graph edge arrays",
      [E, g.edgeDst.length, g.edgeRelation.length],
      "equal lengths",
    );
  for (let e = 0; e < E; e++) {
    if (g.edgeSrc[e] < 0 || g.edgeSrc[e] >= N || g.edgeDst[e] < 0 || g.edgeDst[e] >= N) {
      throw new InvalidArgumentError(
        `graph edge ${e}`,
        [g.edgeSrc[e], g.edgeDst[e]],
        `node indices in [0, ${N})`,
      );
    }
    if (g.edgeRelation[e] < 0 || g.edgeRelation[e] > 2)
      throw new InvalidArgumentError(`graph edge ${e} relation`, g.edgeRelation[e], "0, 1 or 2");
  }
  for (const n of g.nodeType)
    if (n < 0 || n > 2) throw new InvalidArgumentError("graph node type", n, "0, 1 or 2");
}

/** Creates a policy for a graph; the config is validated and completed with defaults. */
export function createPolicy(config: ModelConfigInput | undefined, graph: Hypergraph): Policy {
  const parsed = ModelConfigSchema.safeParse(config ?? {});
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new InvalidArgumentError(`model config ${i.path.join(".") || "(root)"}`, config, i.message);
  }
  return new MoePolicy(parsed.data, graph);
}

/** Creates a policy from a saved directory (its config) and loads its weights; the graph must match. */
export function loadPolicy(dir: string, graph: Hypergraph): Policy {
  const file = readModelFile(dir);
  const p = createPolicy(file.config as ModelConfigInput, graph);
  try {
    p.load(dir);
  } catch (e) {
    p.dispose();
    throw e;
  }
  return p;
}

export { graphSummary };

function oneHot(actions: Int32Array, A: number): Float32Array {
  const oh = new Float32Array(actions.length * A);
  actions.forEach((a, b) => (oh[b * A + a] = 1));
  return oh;
}
