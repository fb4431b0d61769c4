/**
 * Schema and validation of hypergraph files in our format. Shape errors come from zod; graph rules (edge
 * directions, unknown ids, duplicates, experts, condition labels without an extractor) are checked by hand so that
 * every problem names the file, the JSON path (`edges[12].dst`) and the rule broken.
 */
import { z } from "zod";
import { SCORE_ACTIONS } from "../env/index.js";
import { FileFormatError } from "../util/index.js";
import { getExtractor } from "./extractors.js";
import { EXPERT_NAMES, type HypergraphData, type NodeType, type Relation } from "./types.js";

/** Size of the 23-action set (NLE TASK_ACTIONS, the env's "score" action set) that `actions` index into. */
export const SCORE_ACTION_COUNT: number = SCORE_ACTIONS.length;

export interface FormatIssue {
  /** JSON path, e.g. `edges[12].dst`. */
  path: string;
  rule: string;
}

/** A graph file that breaks the schema or a graph rule; `issues` lists every problem found. */
export class HypergraphFormatError extends FileFormatError {
  constructor(
    file: string,
    readonly issues: readonly FormatIssue[],
  ) {
    const shown = issues.slice(0, 12).map((i) => (i.path ? `${i.path}: ${i.rule}` : i.rule));
    const more = issues.length > shown.length ? `; … ${issues.length - shown.length} more` : "";
    super(file, `${issues.length} problem${issues.length === 1 ? "" : "s"}: ${shown.join("; ")}${more}`);
  }
}

export function formatPath(path: readonly PropertyKey[]): string {
  let s = "";
  for (const p of path) {
    if (typeof p === "number") s += `[${p}]`;
    else s += s ? `.${String(p)}` : String(p);
  }
  return s;
}

const nodeSchema = z.strictObject({
  id: z.string().min(1),
  label: z.string().min(1),
  type: z.enum(["condition", "operator", "effect"]),
  expert: z.enum(EXPERT_NAMES).optional(),
  actions: z.array(z.number().int()).optional(),
  keys: z.array(z.number().int().min(1).max(255)).optional(),
  doc: z.string().optional(),
});

const edgeSchema = z.strictObject({
  src: z.string().min(1),
  dst: z.string().min(1),
  relation: z.enum(["satisfies", "context_of", "leads_to"]),
  support: z.number().int().min(0).optional(),
  successProbability: z.number().min(0).max(1).optional(),
});

const metaSchema = z.looseObject({
  version: z.string().min(1),
  source: z.string().min(1),
  description: z.string().optional(),
});

export const graphSchema = z.strictObject({
  meta: metaSchema,
  nodes: z.array(nodeSchema),
  edges: z.array(edgeSchema),
});

export interface ValidateOptions {
  /** Reject condition labels that have no extractor (default true; false for foreign graphs). */
  requireExtractors?: boolean;
}

/** Checks the shape with zod and returns its issues with JSON paths. */
export function shapeIssues(json: unknown): { data?: HypergraphData; issues: FormatIssue[] } {
  const r = graphSchema.safeParse(json);
  if (r.success) return { data: r.data as HypergraphData, issues: [] };
  return { issues: r.error.issues.map((i) => ({ path: formatPath(i.path), rule: i.message })) };
}

const RELATION_ENDS: Record<Relation, [NodeType, NodeType]> = {
  satisfies: ["condition", "operator"],
  context_of: ["condition", "operator"],
  leads_to: ["operator", "effect"],
};

const article = (t: NodeType): string => (t === "condition" ? "a" : "an");

/** The graph rules beyond shape. Returns every issue found (empty when the graph is valid). */
export function graphRuleIssues(data: HypergraphData, opts: ValidateOptions = {}): FormatIssue[] {
  const requireExtractors = opts.requireExtractors ?? true;
  const issues: FormatIssue[] = [];
  const byId = new Map<string, number>();
  const byLabel = new Map<string, number>();
  data.nodes.forEach((n, i) => {
    const at = `nodes[${i}]`;
    const firstId = byId.get(n.id);
    if (firstId !== undefined)
      issues.push({ path: `${at}.id`, rule: `duplicate node id "${n.id}" (first at nodes[${firstId}])` });
    else byId.set(n.id, i);
    const firstLabel = byLabel.get(n.label);
    if (firstLabel !== undefined) {
      issues.push({
        path: `${at}.label`,
        rule: `duplicate label "${n.label}" (first at nodes[${firstLabel}])`,
      });
    } else byLabel.set(n.label, i);
    if (n.type === "operator") {
      if (!n.expert) {
        issues.push({
          path: `${at}.expert`,
          rule: `operator "${n.label}" has no expert (one of ${EXPERT_NAMES.join(", ")})`,
        });
      }
      n.actions?.forEach((a, k) => {
        if (a < 0 || a >= SCORE_ACTION_COUNT) {
          issues.push({
            path: `${at}.actions[${k}]`,
            rule: `action ${a} is outside the ${SCORE_ACTION_COUNT}-action set [0, ${SCORE_ACTION_COUNT - 1}]`,
          });
        }
      });
    } else {
      for (const field of ["expert", "actions", "keys"] as const) {
        if (n[field] !== undefined)
          issues.push({
            path: `${at}.${field}`,
            rule: `only operators have ${field}, "${n.label}" is a ${n.type}`,
          });
      }
    }
    if (n.type === "condition" && requireExtractors && !getExtractor(n.label)) {
      issues.push({ path: `${at}.label`, rule: `no extractor for condition '${n.label}'` });
    }
  });
  const seen = new Map<string, number>();
  data.edges.forEach((e, i) => {
    const at = `edges[${i}]`;
    const s = byId.get(e.src);
    const d = byId.get(e.dst);
    if (s === undefined) issues.push({ path: `${at}.src`, rule: `unknown node id "${e.src}"` });
    if (d === undefined) issues.push({ path: `${at}.dst`, rule: `unknown node id "${e.dst}"` });
    if (s !== undefined && d !== undefined) {
      const [from, to] = RELATION_ENDS[e.relation];
      const st = data.nodes[s].type;
      const dt = data.nodes[d].type;
      if (st !== from || dt !== to) {
        issues.push({
          path: `${at}.relation`,
          rule: `${e.relation} edges go from ${article(from)} ${from} to ${article(to)} ${to}, this one goes from ${st} "${e.src}" to ${dt} "${e.dst}"`,
        });
      }
    }
    const key = `${e.src}\u0000${e.dst}\u0000${e.relation}`;
    const first = seen.get(key);
    if (first !== undefined) issues.push({ path: at, rule: `duplicate edge (same as edges[${first}])` });
    else seen.set(key, i);
  });
  return issues;
}

/** Validates parsed JSON as a graph in our format; throws HypergraphFormatError naming `file`. */
export function validateGraphData(json: unknown, file: string, opts: ValidateOptions = {}): HypergraphData {
  const { data, issues } = shapeIssues(json);
  if (!data) throw new HypergraphFormatError(file, issues);
  const rules = graphRuleIssues(data, opts);
  if (rules.length > 0) throw new HypergraphFormatError(file, rules);
  return data;
}
