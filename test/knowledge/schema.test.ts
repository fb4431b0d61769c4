import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileFormatError } from "../../src/util/errors.js";
import {
  HypergraphFormatError,
  loadHypergraph,
  parseHypergraph,
  serializeHypergraph,
  writeHypergraph,
  type HypergraphData,
} from "../../src/knowledge/index.js";

const FILE = "graphs/test.json";

/** A small valid graph in our format. */
function valid(): HypergraphData {
  return {
    meta: { version: "1", source: "test" },
    nodes: [
      { id: "c1", label: "on_stairs_down", type: "condition" },
      { id: "c2", label: "hp_full", type: "condition" },
      { id: "o1", label: "go_down", type: "operator", expert: "Exploration", actions: [18] },
      { id: "e1", label: "descended", type: "effect" },
    ],
    edges: [
      { src: "c1", dst: "o1", relation: "satisfies" },
      { src: "c2", dst: "o1", relation: "context_of" },
      { src: "o1", dst: "e1", relation: "leads_to", support: 3, successProbability: 0.5 },
    ],
  };
}

/** Parses `data` as file text and returns the error it raises. */
function errorOf(data: unknown): HypergraphFormatError {
  try {
    parseHypergraph(JSON.stringify(data), FILE);
  } catch (e) {
    assert.ok(e instanceof HypergraphFormatError, `expected a HypergraphFormatError, got ${String(e)}`);
    assert.ok(e instanceof FileFormatError);
    return e;
  }
  assert.fail("no error raised");
}

/** The error names the file, the JSON path and the rule. */
function assertIssue(data: unknown, path: string, rule: RegExp): void {
  const err = errorOf(data);
  assert.ok(err.message.startsWith(`${FILE}: `), err.message);
  assert.ok(err.message.includes(`${path}: `), `${err.message} should name ${path}`);
  const issue = err.issues.find((i) => i.path === path);
  assert.ok(issue, `no issue at ${path} in ${JSON.stringify(err.issues)}`);
  assert.match(issue.rule, rule);
  assert.match(err.message, rule);
}

test("a valid graph parses and round-trips through serializeHypergraph", () => {
  const data = parseHypergraph(JSON.stringify(valid()), FILE);
  assert.deepEqual(data, valid());
  assert.deepEqual(parseHypergraph(serializeHypergraph(data), FILE), data);
});

test("unknown node ids in edges", () => {
  const d = valid();
  d.edges[1].src = "c9";
  assertIssue(d, "edges[1].src", /unknown node id "c9"/);
  const e = valid();
  e.edges[2].dst = "nowhere";
  assertIssue(e, "edges[2].dst", /unknown node id "nowhere"/);
});

test("wrong edge directions", () => {
  const d = valid();
  d.edges[0] = { src: "o1", dst: "c1", relation: "satisfies" };
  assertIssue(
    d,
    "edges[0].relation",
    /satisfies edges go from a condition to an operator.*operator "o1" to condition "c1"/,
  );
  const e = valid();
  e.edges[2] = { src: "c1", dst: "e1", relation: "leads_to" };
  assertIssue(e, "edges[2].relation", /leads_to edges go from an operator to an effect/);
  const f = valid();
  f.edges[1] = { src: "c2", dst: "e1", relation: "context_of" };
  assertIssue(f, "edges[1].relation", /context_of edges go from a condition to an operator/);
});

test("duplicate ids, labels and edges", () => {
  const d = valid();
  d.nodes[3].id = "c1";
  assertIssue(d, "nodes[3].id", /duplicate node id "c1" \(first at nodes\[0\]\)/);
  const e = valid();
  e.nodes[1].label = "on_stairs_down";
  assertIssue(e, "nodes[1].label", /duplicate label "on_stairs_down" \(first at nodes\[0\]\)/);
  const f = valid();
  f.edges.push({ src: "c1", dst: "o1", relation: "satisfies" });
  assertIssue(f, "edges[3]", /duplicate edge \(same as edges\[0\]\)/);
});

test("operators need an expert; only operators have expert/actions/keys", () => {
  const d = valid();
  delete d.nodes[2].expert;
  assertIssue(d, "nodes[2].expert", /operator "go_down" has no expert/);
  const e = valid();
  e.nodes[0].expert = "Combat";
  assertIssue(e, "nodes[0].expert", /only operators have expert/);
  const f = valid();
  f.nodes[3].actions = [1];
  assertIssue(f, "nodes[3].actions", /only operators have actions/);
});

test("actions outside the 23-action set", () => {
  const d = valid();
  d.nodes[2].actions = [18, 23];
  assertIssue(d, "nodes[2].actions[1]", /action 23 is outside the 23-action set \[0, 22\]/);
});

test("condition labels need an extractor", () => {
  const d = valid();
  d.nodes[1].label = "feels_lucky";
  assertIssue(d, "nodes[1].label", /no extractor for condition 'feels_lucky'/);
  // The same graph is accepted when foreign labels are allowed.
  assert.doesNotThrow(() => parseHypergraph(JSON.stringify(d), FILE, { requireExtractors: false }));
});

test("shape errors carry zod's path", () => {
  const d = valid() as unknown as { nodes: Record<string, unknown>[] };
  d.nodes[2].type = "action";
  assertIssue(d, "nodes[2].type", /Invalid option/);
  const e = valid() as unknown as { edges: Record<string, unknown>[] };
  e.edges[2].successProbability = 1.5;
  assertIssue(e, "edges[2].successProbability", /1/);
  const f = valid() as unknown as { nodes: Record<string, unknown>[] };
  f.nodes[0].exprt = "Combat";
  assertIssue(f, "nodes[0]", /Unrecognized key/);
  const g = { meta: { version: "1" }, nodes: [], edges: [] };
  assertIssue(g, "meta.source", /expected string/);
});

test("several problems are all reported", () => {
  const d = valid();
  d.edges[0].src = "x";
  d.edges[1].dst = "y";
  const err = errorOf(d);
  assert.equal(err.issues.length, 2);
  assert.match(err.message, /2 problems/);
});

test("invalid JSON and missing files name the file", () => {
  assert.throws(
    () => parseHypergraph("{nope", FILE),
    (e: unknown) => e instanceof FileFormatError && /graphs\/test\.json: invalid JSON/.test(e.message),
  );
  assert.throws(
    () => loadHypergraph("/nonexistent/graph.json"),
    (e: unknown) => e instanceof FileFormatError && /\/nonexistent\/graph\.json: cannot read/.test(e.message),
  );
});

test("writeHypergraph validates, writes atomically, and loads back", () => {
  const dir = mkdtempSync(join(tmpdir(), "tedg-kg-"));
  const path = join(dir, "g.json");
  writeHypergraph(path, valid());
  const g = loadHypergraph(path);
  assert.equal(g.conditionNodes.length, 2);
  assert.equal(g.operatorNodes.length, 1);
  const bad = valid();
  bad.edges[0].dst = "zz";
  assert.throws(() => writeHypergraph(join(dir, "bad.json"), bad), /edges\[0\]\.dst: unknown node id "zz"/);
  writeFileSync(join(dir, "bad2.json"), "[]");
  assert.throws(() => loadHypergraph(join(dir, "bad2.json")), HypergraphFormatError);
});
