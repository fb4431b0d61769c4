/**
 * The original TEDG-RL V3 graph format (`hypergraph_gat_structure.json`: `{meta, nodes:[{id,label,type}],
 * edges:[[src,dst,relation]]}`). Loading removes its repeated edges (and counts them) and gives each operator the
 * expert of the original's operator-name table, matched on the full operator name (the longest table key that
 * prefixes the label) instead of the text before the first underscore, which sent `go_down`, `melee_attack_vs_*`
 * and 23 other keys to General (defect B13, docs/original.md). It can also report which of its condition
 * labels our extractor drives.
 */
import { readFileSync } from "node:fs";
import { z } from "zod";
import { COND, HUNGER } from "../env/index.js";
import { FileFormatError, writeFileAtomic } from "../util/index.js";
import type { ObsContext } from "./context.js";
import { getExtractor, hpCritical, type ConditionPredicate } from "./extractors.js";
import { GC } from "./glyph-classes.js";
import { IF } from "./inventory.js";
import { formatPath, graphRuleIssues, HypergraphFormatError, type FormatIssue } from "./schema.js";
import type { ExpertName, HypergraphData, HypergraphEdge, HypergraphNode, Relation } from "./types.js";

/** The original's OPERATOR_TO_EXPERT table (operator_expert_mapping.py, 76 names). */
export const ORIGINAL_OPERATOR_EXPERTS: Readonly<Record<ExpertName, readonly string[]>> = {
  Survival: [
    "eat",
    "drink",
    "quaff",
    "pray",
    "flee",
    "wait",
    "teleport",
    "wear",
    "put_on",
    "remove",
    "takeoff",
    "remove_ring",
    "drop",
    "drop_multi",
    "pickup",
    "count_gold",
    "save_game",
    "sit",
  ],
  Combat: [
    "attack",
    "attack_melee",
    "attack_ranged",
    "melee_attack",
    "ranged_attack",
    "fire",
    "throw",
    "kick",
    "wield",
    "swap_weapon",
    "enhance",
    "elbereth",
    "turn_undead",
    "medusa",
    "vlad",
  ],
  Exploration: [
    "move",
    "move_no_pickup",
    "move_no_fight",
    "move_until_near",
    "search",
    "look",
    "whatis",
    "identify",
    "identify_trap",
    "open",
    "open_door",
    "close",
    "close_door",
    "unlock_door",
    "force_lock",
    "go_up",
    "go_down",
    "climb",
    "jump",
    "inventory",
    "known",
    "call_name",
    "name",
    "loot",
    "untrap",
    "minetown",
    "oracle",
    "sokoban",
  ],
  General: [
    "apply",
    "invoke",
    "zap",
    "rub",
    "read",
    "engrave",
    "wipe",
    "dip",
    "put_in",
    "altar",
    "offer",
    "sacrifice",
    "pay",
    "extended_command",
    "toggle_autopickup",
  ],
};

const range = (a: number, b: number): number[] => Array.from({ length: b - a + 1 }, (_, i) => a + i);
/** The original's OPERATOR_TO_ACTION_IDS (action_masking.py, 33 names), indices into the 23-action set. */
export const ORIGINAL_OPERATOR_ACTIONS: Readonly<Record<string, readonly number[]>> = (() => {
  const t: Record<string, number[]> = {};
  for (const k of [
    "move",
    "move_no_fight",
    "move_no_pickup",
    "move_until_near",
    "flee",
    "attack",
    "attack_melee",
    "melee_attack",
    "medusa",
    "vlad",
  ])
    t[k] = range(1, 8);
  for (const k of ["minetown", "oracle", "sokoban"]) t[k] = [...range(1, 8), 17, 18];
  for (const k of ["go_up", "climb"]) t[k] = [17];
  t.go_down = [18];
  for (const k of [
    "wait",
    "altar",
    "pray",
    "sacrifice",
    "offer",
    "inventory",
    "count_gold",
    "elbereth",
    "save_game",
  ]) {
    t[k] = [19];
  }
  for (const k of ["kick", "force_lock", "open_door", "close_door"]) t[k] = [20];
  t.eat = [21];
  for (const k of ["search", "look", "identify_trap"]) t[k] = [22];
  return t;
})();

const EXPERT_OF = new Map<string, ExpertName>();
for (const [expert, names] of Object.entries(ORIGINAL_OPERATOR_EXPERTS) as [
  ExpertName,
  readonly string[],
][]) {
  for (const n of names) EXPERT_OF.set(n, expert);
}

/** The longest key of `keys` equal to the label or followed in it by `_` (so `move_no_pickup_x` → `move_no_pickup`). */
function longestPrefixKey(label: string, keys: Iterable<string>): string | undefined {
  let best: string | undefined;
  for (const k of keys) {
    if ((label === k || label.startsWith(k + "_")) && (!best || k.length > best.length)) best = k;
  }
  return best;
}

/** Operator name of an original operator label (e.g. `melee_attack_vs_newt` → `melee_attack`), if it is known. */
export function originalOperatorName(label: string): string | undefined {
  return longestPrefixKey(label, EXPERT_OF.keys());
}

/** Expert of an original operator label by its full operator name; General when the name is not in the table. */
export function originalOperatorExpert(label: string): ExpertName {
  const k = originalOperatorName(label);
  return k ? (EXPERT_OF.get(k) as ExpertName) : "General";
}

/** 23-action indices of an original operator label (empty when the original had none for it). */
export function originalOperatorActions(label: string): number[] {
  const k = longestPrefixKey(label, Object.keys(ORIGINAL_OPERATOR_ACTIONS));
  return k ? [...ORIGINAL_OPERATOR_ACTIONS[k]] : [];
}

// ---- condition labels of the original that our extractor can drive -------------------------------------------
interface Alias {
  /** Our label when the meaning is the same; absent when the alias computes the original's own definition. */
  ours?: string;
  doc: string;
  fn: ConditionPredicate;
}
const same = (ours: string): Alias => {
  const e = getExtractor(ours);
  if (!e) throw new Error(`original-format.ts: no extractor '${ours}'`);
  return { ours, doc: e.doc, fn: e.fn };
};
const own = (doc: string, fn: ConditionPredicate): Alias => ({ doc, fn });
const depthIs = (d: number): Alias =>
  own(`Depth exactly ${d} (the original emitted dlvl_{min(depth,10)}).`, (c) => c.depth === d);
const anyOf = (...labels: string[]): ConditionPredicate => {
  const fns = labels.map((l) => same(l).fn);
  return (c: ObsContext) => fns.some((f) => f(c));
};

/** Original condition label → how our extractor computes it. Labels absent here are not drivable. */
export const ORIGINAL_CONDITION_ALIASES: Readonly<Record<string, Alias>> = {
  player_alive: same("player_alive"),
  game_active: same("player_alive"),
  any_hp: same("player_alive"),
  hp_full: own("HP ≥ 80 % of max (the original's threshold).", (c) => c.hpmax > 0 && c.hp * 5 >= c.hpmax * 4),
  hp_low: own(
    "HP below 30 % of max (the original's threshold).",
    (c) => c.hpmax > 0 && c.hp * 10 < c.hpmax * 3,
  ),
  hp_critical: { ours: "hp_critical", doc: "NetHack's low-HP trouble.", fn: hpCritical },
  has_gold: same("has_gold"),
  no_gold: same("no_gold"),
  hunger_satiated: same("hunger_satiated"),
  hunger_normal: same("hunger_not_hungry"),
  hunger_hungry: same("hunger_hungry"),
  hunger_weak: same("hunger_weak"),
  not_full: own("Not satiated (hunger state ≥ Not hungry).", (c) => c.hunger >= HUNGER.NOT_HUNGRY),
  blind: same("blind"),
  not_blind: own("Not blind.", (c) => (c.cond & COND.BLIND) === 0),
  confused: same("confused"),
  stunned: same("stunned"),
  hallucinating: same("hallucinating"),
  power_full: same("pw_full"),
  power_empty: same("pw_empty"),
  dlvl_1: same("dlvl_1"),
  dlvl_2_5: own("Depth 2–5.", (c) => c.depth >= 2 && c.depth <= 5),
  dlvl_5: depthIs(5),
  dlvl_7: depthIs(7),
  dlvl_9: depthIs(9),
  dlvl_10: own("Depth 10 or deeper (the original capped depth at 10).", (c) => c.depth >= 10),
  dlvl_15: depthIs(15),
  dlvl_26: depthIs(26),
  dlvl_36: depthIs(36),
  exp_1: same("xl_1"),
  exp_2_5: own("Experience level 2–5.", (c) => c.xl >= 2 && c.xl <= 5),
  ac_poor: same("ac_poor"),
  ac_good: own("Armour class 2 or better.", (c) => c.ac <= 2),
  monsters_present: same("monster_visible"),
  see_monster: same("monster_visible"),
  monster_alive: same("monster_visible"),
  adjacent_to_monster: same("monster_adjacent"),
  target_adjacent: same("monster_adjacent"),
  adjacent_to_target: same("monster_adjacent"),
  combat_situation: same("monster_adjacent"),
  on_stairs: own("On stairs up or down.", anyOf("on_stairs_down", "on_stairs_up")),
  on_downstairs: same("on_stairs_down"),
  on_upstairs: same("on_stairs_up"),
  adjacent_to_door: own(
    "A door or doorway next to the hero.",
    (c) => c.adj[GC.DOOR_CLOSED] + c.adj[GC.DOOR_OPEN] + c.adj[GC.DOORWAY] > 0,
  ),
  adjacent_to_trap: same("trap_adjacent"),
  trap_known: same("trap_visible"),
  adjacent_to_item: same("item_adjacent"),
  item_collectible: same("items_here"),
  near_altar: same("altar_visible"),
  on_altar: same("on_altar"),
  has_item: own("Something in the inventory.", (c) => c.inv[IF.EMPTY] === 0),
  has_food: same("has_food"),
  has_potion: same("has_potion"),
  has_weapon: same("has_weapon"),
  has_armor: same("has_armor"),
  has_wand: same("has_wand"),
  has_readable: own("A scroll or spellbook in the inventory.", anyOf("has_scroll", "has_spellbook")),
  has_accessory: own("A ring or amulet in the inventory.", anyOf("has_ring", "has_amulet")),
  wearing_armor: same("wearing_armor"),
  wearing_item: own("Wearing armour or an accessory.", anyOf("wearing_armor", "wearing_accessory")),
  inventory_space: own("Fewer than 48 inventory letters used.", (c) => c.inv[IF.NEARLY_FULL] === 0),
};

/**
 * How a condition label is computed. In a graph loaded from the original format a label means what the original
 * meant (its `hp_full` is HP ≥ 80 %), so the aliases come first there; elsewhere our registry decides.
 */
export function resolveCondition(label: string, originalFormat = false): ConditionPredicate | undefined {
  const alias = Object.hasOwn(ORIGINAL_CONDITION_ALIASES, label)
    ? ORIGINAL_CONDITION_ALIASES[label]
    : undefined;
  if (originalFormat && alias) return alias.fn;
  return getExtractor(label)?.fn ?? alias?.fn;
}

export interface DrivableReport {
  /** Condition labels our extractor computes, with the label of ours they map to (absent: own definition). */
  drivable: { label: string; ours?: string; doc: string }[];
  notDrivable: string[];
}

/**
 * Which condition labels of a graph loaded from the original format our extractor drives, read with the
 * original's meaning (aliases first, then our labels of the same name).
 */
export function reportDrivableConditions(data: HypergraphData): DrivableReport {
  const report: DrivableReport = { drivable: [], notDrivable: [] };
  for (const n of data.nodes) {
    if (n.type !== "condition") continue;
    const a = Object.hasOwn(ORIGINAL_CONDITION_ALIASES, n.label)
      ? ORIGINAL_CONDITION_ALIASES[n.label]
      : undefined;
    const e = getExtractor(n.label);
    if (a) report.drivable.push({ label: n.label, ...(a.ours ? { ours: a.ours } : {}), doc: a.doc });
    else if (e) report.drivable.push({ label: n.label, ours: n.label, doc: e.doc });
    else report.notDrivable.push(n.label);
  }
  return report;
}

// ---- loading and writing ---------------------------------------------------------------------------------------
const relation = z.enum(["satisfies", "context_of", "leads_to"]);
const originalSchema = z.looseObject({
  meta: z.looseObject({ version: z.string().optional(), description: z.string().optional() }),
  nodes: z.array(
    z.looseObject({
      id: z.number().int().min(0),
      label: z.string().min(1),
      type: z.enum(["condition", "operator", "effect"]),
    }),
  ),
  edges: z.array(z.tuple([z.number().int().min(0), z.number().int().min(0), relation])),
});
export type OriginalGraphJson = z.infer<typeof originalSchema>;

export interface OriginalLoadResult {
  /** The graph in our schema: ids are the original integer ids as strings, operators carry expert and actions. */
  data: HypergraphData;
  /** How many repeated edges were dropped. */
  duplicateEdges: number;
  /** The original `meta` object, unchanged (written back by writeOriginalFormat). */
  originalMeta: Record<string, unknown>;
}

export const ORIGINAL_SOURCE = "tedg-v3-original-format";

/** Converts parsed JSON in the original format; throws HypergraphFormatError naming `file`. */
export function parseOriginalFormat(json: unknown, file: string): OriginalLoadResult {
  const r = originalSchema.safeParse(json);
  if (!r.success) {
    throw new HypergraphFormatError(
      file,
      r.error.issues.map((i) => ({ path: formatPath(i.path), rule: i.message })),
    );
  }
  const raw = r.data;
  const nodes: HypergraphNode[] = raw.nodes.map((n) => {
    const node: HypergraphNode = { id: String(n.id), label: n.label, type: n.type };
    if (n.type === "operator") {
      node.expert = originalOperatorExpert(n.label);
      const actions = originalOperatorActions(n.label);
      if (actions.length > 0) node.actions = actions;
    }
    return node;
  });
  const seen = new Set<string>();
  const edges: HypergraphEdge[] = [];
  let duplicateEdges = 0;
  for (const [s, d, rel] of raw.edges) {
    const key = `${s}:${d}:${rel}`;
    if (seen.has(key)) {
      duplicateEdges++;
      continue;
    }
    seen.add(key);
    edges.push({ src: String(s), dst: String(d), relation: rel as Relation });
  }
  const meta = raw.meta as Record<string, unknown>;
  const data: HypergraphData = {
    meta: {
      version: typeof meta.version === "string" ? meta.version : "unknown",
      source: ORIGINAL_SOURCE,
      ...(typeof meta.description === "string" ? { description: meta.description } : {}),
    },
    nodes,
    edges,
  };
  // Same graph rules as ours, except that foreign condition labels are allowed (reported, not rejected).
  // Edge paths refer to the de-duplicated list, so map them back to the file's positions.
  const issues = graphRuleIssues(data, { requireExtractors: false });
  if (issues.length > 0) throw new HypergraphFormatError(file, remapEdgePaths(issues, raw.edges));
  return { data, duplicateEdges, originalMeta: meta };
}

function remapEdgePaths(issues: FormatIssue[], rawEdges: readonly [number, number, string][]): FormatIssue[] {
  // Position k of the de-duplicated list is the k-th first occurrence in the file.
  const firstPositions: number[] = [];
  const seen = new Set<string>();
  rawEdges.forEach(([s, d, rel], i) => {
    const key = `${s}:${d}:${rel}`;
    if (!seen.has(key)) {
      seen.add(key);
      firstPositions.push(i);
    }
  });
  return issues.map((iss) => {
    const m = /^edges\[(\d+)\](.*)$/.exec(iss.path);
    if (!m) return iss;
    const pos = firstPositions[Number(m[1])];
    const tail = m[2] === ".src" ? "[0]" : m[2] === ".dst" ? "[1]" : m[2] === ".relation" ? "[2]" : m[2];
    return { path: `edges[${pos}]${tail}`, rule: iss.rule };
  });
}

export function loadOriginalFormat(path: string): OriginalLoadResult {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new FileFormatError(path, `cannot read: ${(e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new FileFormatError(path, `invalid JSON: ${(e as Error).message}`);
  }
  return parseOriginalFormat(json, path);
}

/**
 * Our graph back in the original format. Ids that are all integers are kept; otherwise nodes are numbered by
 * position (as the original does). Experts and actions are not part of that format (they are re-derived on load).
 */
export function toOriginalFormat(
  data: HypergraphData,
  originalMeta: Record<string, unknown> = {},
): OriginalGraphJson {
  const numeric = data.nodes.every((n) => /^(0|[1-9]\d*)$/.test(n.id));
  const idOf = new Map<string, number>(data.nodes.map((n, i) => [n.id, numeric ? Number(n.id) : i]));
  const count = (
    pred: (x: { type?: string; relation?: string }) => boolean,
    xs: { type?: string; relation?: string }[],
  ) => xs.filter(pred).length;
  const meta: Record<string, unknown> = {
    ...originalMeta,
    version: data.meta.version,
    ...(data.meta.description !== undefined ? { description: data.meta.description } : {}),
    total_nodes: data.nodes.length,
    total_edges: data.edges.length,
    node_types: Object.fromEntries(
      ["condition", "operator", "effect"].map((t) => [t, count((n) => n.type === t, data.nodes)]),
    ),
    edge_types: Object.fromEntries(
      ["satisfies", "context_of", "leads_to"].map((r) => [r, count((e) => e.relation === r, data.edges)]),
    ),
  };
  return {
    meta,
    nodes: data.nodes.map((n) => ({ id: idOf.get(n.id) as number, label: n.label, type: n.type })),
    edges: data.edges.map((e) => [idOf.get(e.src) as number, idOf.get(e.dst) as number, e.relation]),
  };
}

export function writeOriginalFormat(
  path: string,
  data: HypergraphData,
  originalMeta?: Record<string, unknown>,
): void {
  writeFileAtomic(path, JSON.stringify(toOriginalFormat(data, originalMeta), null, 2) + "\n");
}
