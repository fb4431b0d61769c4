/**
 * Merging two graphs (e.g. the curated graph and a mined one). Nodes are matched by label (labels are unique
 * within a graph); edges by (source label, target label, relation). Edge statistics add up: support is summed
 * and successProbability is averaged weighted by support.
 */
import { InvalidArgumentError } from "../util/index.js";
import type { HypergraphData, HypergraphEdge, HypergraphNode } from "./types.js";

/**
 * Union of `a` and `b`. Where both have a node, `a`'s id, expert and doc win and operator actions/keys are
 * united. `b`-only nodes keep their id unless `a` uses it already (then `~b` is appended).
 */
export function mergeGraphs(a: HypergraphData, b: HypergraphData): HypergraphData {
  const nodes: HypergraphNode[] = a.nodes.map((n) => ({ ...n }));
  const byLabel = new Map<string, HypergraphNode>(nodes.map((n) => [n.label, n]));
  const ids = new Set(nodes.map((n) => n.id));
  const bIdToId = new Map<string, string>();
  const aLabelOf = new Map<string, string>(a.nodes.map((n) => [n.id, n.label]));
  for (const n of b.nodes) {
    const existing = byLabel.get(n.label);
    if (existing) {
      if (existing.type !== n.type) {
        throw new InvalidArgumentError(
          `type of node '${n.label}' in the second graph`,
          n.type,
          `${existing.type}, as in the first graph`,
        );
      }
      if (n.type === "operator") {
        const actions = union(existing.actions, n.actions);
        const keys = union(existing.keys, n.keys);
        if (actions) existing.actions = actions;
        if (keys) existing.keys = keys;
        if (!existing.expert && n.expert) existing.expert = n.expert;
      }
      if (!existing.doc && n.doc) existing.doc = n.doc;
      bIdToId.set(n.id, existing.id);
      continue;
    }
    let id = n.id;
    while (ids.has(id)) id += "~b";
    ids.add(id);
    const copy = { ...n, id };
    nodes.push(copy);
    byLabel.set(n.label, copy);
    bIdToId.set(n.id, id);
  }
  const labelOfId = new Map<string, string>(nodes.map((n) => [n.id, n.label]));
  const edges: HypergraphEdge[] = [];
  const edgeIndex = new Map<string, number>();
  const add = (e: HypergraphEdge, src: string, dst: string): void => {
    const key = `${labelOfId.get(src)}\u0000${labelOfId.get(dst)}\u0000${e.relation}`;
    const at = edgeIndex.get(key);
    if (at === undefined) {
      edgeIndex.set(key, edges.length);
      edges.push({ ...e, src, dst });
      return;
    }
    edges[at] = combine(edges[at], e);
  };
  for (const e of a.edges) {
    if (!aLabelOf.has(e.src) || !aLabelOf.has(e.dst))
      throw new InvalidArgumentError("edge of the first graph", e, "edges between its nodes");
    add(e, e.src, e.dst);
  }
  for (const e of b.edges) {
    const src = bIdToId.get(e.src);
    const dst = bIdToId.get(e.dst);
    if (!src || !dst)
      throw new InvalidArgumentError("edge of the second graph", e, "edges between its nodes");
    add(e, src, dst);
  }
  return {
    meta: {
      version: a.meta.version,
      source: `${a.meta.source} + ${b.meta.source}`,
      ...(a.meta.description !== undefined ? { description: a.meta.description } : {}),
    },
    nodes,
    edges,
  };
}

function union(x?: number[], y?: number[]): number[] | undefined {
  if (!x && !y) return undefined;
  return [...new Set([...(x ?? []), ...(y ?? [])])].sort((p, q) => p - q);
}

function combine(x: HypergraphEdge, y: HypergraphEdge): HypergraphEdge {
  const out: HypergraphEdge = { ...x };
  const sx = x.support ?? 0;
  const sy = y.support ?? 0;
  if (x.support !== undefined || y.support !== undefined) out.support = sx + sy;
  if (x.successProbability !== undefined && y.successProbability !== undefined) {
    out.successProbability =
      sx + sy > 0
        ? (x.successProbability * sx + y.successProbability * sy) / (sx + sy)
        : (x.successProbability + y.successProbability) / 2;
  } else if (y.successProbability !== undefined) out.successProbability = y.successProbability;
  return out;
}
