/** Reading and writing graph files in our format, and the built-in NetHack graph. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { FileFormatError, writeFileAtomic, projectRoot } from "../util/index.js";
import { buildHypergraph } from "./build.js";
import { validateGraphData, type ValidateOptions } from "./schema.js";
import type { Hypergraph, HypergraphData } from "./types.js";

/** Parses and validates the text of a graph file; `file` names it in errors. */
export function parseHypergraph(text: string, file: string, opts?: ValidateOptions): HypergraphData {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new FileFormatError(file, `invalid JSON: ${(e as Error).message}`);
  }
  return validateGraphData(json, file, opts);
}

export function loadHypergraphData(path: string, opts?: ValidateOptions): HypergraphData {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new FileFormatError(path, `cannot read: ${(e as Error).message}`);
  }
  return parseHypergraph(text, path, opts);
}

/** Loads, validates and indexes a graph file in our format. */
export function loadHypergraph(path: string, opts?: ValidateOptions): Hypergraph {
  return buildHypergraph(loadHypergraphData(path, opts));
}

export function builtinGraphPath(): string {
  return join(projectRoot(), "data", "hypergraph", "nethack.json");
}

/** The curated NetHack graph shipped in data/hypergraph/nethack.json. */
export function loadBuiltinGraph(): Hypergraph {
  return loadHypergraph(builtinGraphPath());
}

/** Stable, diff-friendly JSON: one node or edge per line. */
export function serializeHypergraph(data: HypergraphData): string {
  const lines = [
    "{",
    `  "meta": ${JSON.stringify(data.meta)},`,
    `  "nodes": [`,
    data.nodes.map((n) => "    " + JSON.stringify(n)).join(",\n"),
    "  ],",
    `  "edges": [`,
    data.edges.map((e) => "    " + JSON.stringify(e)).join(",\n"),
    "  ]",
    "}",
  ];
  return lines.join("\n") + "\n";
}

/** Validates (rules of our format) and writes a graph atomically. */
export function writeHypergraph(path: string, data: HypergraphData, opts?: ValidateOptions): void {
  validateGraphData(data, path, opts);
  writeFileAtomic(path, serializeHypergraph(data));
}
