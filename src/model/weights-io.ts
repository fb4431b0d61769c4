/**
 * Policy weights on disk: <dir>/weights.bin (float32 little-endian, tensors back to back) and
 * <dir>/model.json (format, config, graph fingerprint, tensor index). Written atomically as a directory.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Hypergraph } from "../knowledge/types.js";
import { FileFormatError } from "../util/errors.js";
import { writeDirAtomic } from "../util/fs.js";
import type { NamedArray } from "./params.js";
import { sameShape } from "./params.js";

export const WEIGHTS_FORMAT = "tedg-policy-weights";
export const WEIGHTS_VERSION = 1;

export interface TensorEntry {
  name: string;
  shape: number[];
  /** Offset in float32 elements into weights.bin. */
  offset: number;
}

export interface ModelFile {
  format: string;
  version: number;
  config: unknown;
  graph: {
    fingerprint: string;
    numNodes: number;
    numConditions: number;
    numOperators: number;
    numEffects: number;
  };
  tensors: TensorEntry[];
}

/** Structure hash of a graph: node ids and types, edges with relations, and the condition/operator/effect order. */
export function graphFingerprint(g: Hypergraph): string {
  const h = createHash("sha256");
  h.update(JSON.stringify(g.nodes.map((n) => [n.id, n.type])));
  for (const a of [
    g.edgeSrc,
    g.edgeDst,
    g.edgeRelation,
    g.conditionNodes,
    g.operatorNodes,
    g.effectNodes,
    g.operatorExpert,
  ]) {
    h.update(String(a.length));
    h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  }
  return h.digest("hex");
}

export function graphSummary(g: Hypergraph): ModelFile["graph"] {
  return {
    fingerprint: graphFingerprint(g),
    numNodes: g.numNodes,
    numConditions: g.conditionNodes.length,
    numOperators: g.operatorNodes.length,
    numEffects: g.effectNodes.length,
  };
}

export function writeWeights(
  dir: string,
  weights: Map<string, NamedArray>,
  config: unknown,
  graph: Hypergraph,
): void {
  const tensors: TensorEntry[] = [];
  let total = 0;
  for (const [name, w] of weights) {
    tensors.push({ name, shape: [...w.shape], offset: total });
    total += w.values.length;
  }
  const bin = new Float32Array(total);
  for (const [i, w] of [...weights.values()].entries()) bin.set(w.values, tensors[i].offset);
  const file: ModelFile = {
    format: WEIGHTS_FORMAT,
    version: WEIGHTS_VERSION,
    config,
    graph: graphSummary(graph),
    tensors,
  };
  const bytes = new Uint8Array(bin.buffer);
  if (!littleEndian()) throw new Error("big-endian hosts are not supported for weight files");
  writeDirAtomic(dir, (tmp) => {
    writeFileSync(join(tmp, "weights.bin"), bytes);
    writeFileSync(join(tmp, "model.json"), JSON.stringify(file, null, 2) + "\n");
  });
}

export function readModelFile(dir: string): ModelFile {
  const path = join(dir, "model.json");
  if (!existsSync(path)) throw new FileFormatError(path, "missing (not a saved policy directory)");
  let file: ModelFile;
  try {
    file = JSON.parse(readFileSync(path, "utf8")) as ModelFile;
  } catch (e) {
    throw new FileFormatError(path, `not valid JSON (${(e as Error).message})`);
  }
  if (file.format !== WEIGHTS_FORMAT)
    throw new FileFormatError(path, `format is ${JSON.stringify(file.format)}, expected ${WEIGHTS_FORMAT}`);
  if (file.version !== WEIGHTS_VERSION)
    throw new FileFormatError(path, `version ${file.version} is not supported (expected ${WEIGHTS_VERSION})`);
  if (!Array.isArray(file.tensors)) throw new FileFormatError(path, "no tensor index");
  return file;
}

/**
 * Reads weights and checks them against the expected names/shapes and graph. Errors name the tensor and
 * both shapes.
 */
export function readWeights(
  dir: string,
  expected: Map<string, number[]>,
  graph: Hypergraph,
  /** Names that may be missing from older files (the caller supplies a default). */
  optional: ReadonlySet<string> = new Set(),
): Map<string, NamedArray> {
  const file = readModelFile(dir);
  const jsonPath = join(dir, "model.json");
  const fp = graphFingerprint(graph);
  if (file.graph?.fingerprint !== fp) {
    throw new FileFormatError(
      jsonPath,
      `saved for a different hypergraph (fingerprint ${String(file.graph?.fingerprint).slice(0, 12)}…, ` +
        `${file.graph?.numNodes} nodes; this graph: ${fp.slice(0, 12)}…, ${graph.numNodes} nodes)`,
    );
  }
  const binPath = join(dir, "weights.bin");
  if (!existsSync(binPath)) throw new FileFormatError(binPath, "missing");
  const raw = readFileSync(binPath);
  if (raw.byteLength % 4 !== 0)
    throw new FileFormatError(binPath, `size ${raw.byteLength} is not a multiple of 4`);
  const all = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  const byName = new Map(file.tensors.map((t) => [t.name, t]));
  const out = new Map<string, NamedArray>();
  for (const [name, shape] of expected) {
    const t = byName.get(name);
    if (!t && optional.has(name)) continue;
    if (!t) throw new FileFormatError(jsonPath, `tensor ${name} is missing (expected shape [${shape}])`);
    if (!sameShape(t.shape, shape)) {
      throw new FileFormatError(
        jsonPath,
        `tensor ${name} has shape [${t.shape}] in the file but the model expects [${shape}]`,
      );
    }
    const n = shape.reduce((a, b) => a * b, 1);
    if (t.offset < 0 || t.offset + n > all.length)
      throw new FileFormatError(binPath, `tensor ${name} lies outside the file`);
    out.set(name, { shape: [...shape], values: all.slice(t.offset, t.offset + n) });
  }
  for (const t of file.tensors) {
    if (!expected.has(t.name))
      throw new FileFormatError(jsonPath, `tensor ${t.name} [${t.shape}] is not part of this model`);
  }
  return out;
}

function littleEndian(): boolean {
  return new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
}
