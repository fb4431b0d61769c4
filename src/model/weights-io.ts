/**
 * Saved policies on disk: a directory, written atomically, holding
 *   model.json                  format, version, the model config, the graph's fingerprint and sizes
 *   weights.bin / weights.json  the named tensors, in the tensor file format checkpoints use (util/tensor-file.ts)
 * Version 1 directories (model.json with its own tensor index over weights.bin, no weights.json) still load.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Hypergraph } from "../knowledge/index.js";
import {
  FileFormatError,
  readIndexedTensors,
  readTensorBlobs,
  writeDirAtomic,
  writeTensorBlobs,
  type TensorBlobs,
  type TensorIndexEntry,
} from "../util/index.js";
import type { NamedArray } from "./params.js";
import { sameShape } from "./params.js";

export const WEIGHTS_FORMAT = "tedg-policy-weights";
/** 2: the tensors in weights.bin + weights.json (the tensor file format); 1: model.json indexed weights.bin. */
export const WEIGHTS_VERSION = 2;
const READABLE_VERSIONS = [1, 2];
/** Base name of the tensor files (weights.bin, weights.json) in a saved policy directory. */
const WEIGHTS = "weights";

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
  /** Version 1 only: the tensor index over weights.bin. */
  tensors?: TensorIndexEntry[];
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
  const blobs: TensorBlobs = new Map();
  for (const [name, w] of weights) blobs.set(name, { shape: [...w.shape], data: w.values });
  const file: ModelFile = {
    format: WEIGHTS_FORMAT,
    version: WEIGHTS_VERSION,
    config,
    graph: graphSummary(graph),
  };
  writeDirAtomic(dir, (tmp) => {
    writeTensorBlobs(tmp, WEIGHTS, blobs);
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
  if (!READABLE_VERSIONS.includes(file.version))
    throw new FileFormatError(
      path,
      `version ${file.version} is not supported (expected one of ${READABLE_VERSIONS.join(", ")})`,
    );
  if (file.version === 1 && !Array.isArray(file.tensors)) throw new FileFormatError(path, "no tensor index");
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
  const binPath = join(dir, `${WEIGHTS}.bin`);
  if (!existsSync(binPath)) throw new FileFormatError(binPath, "missing");
  // Version 1 indexed weights.bin from model.json; version 2 has the tensor file's own manifest.
  const indexPath = file.version === 1 ? jsonPath : join(dir, `${WEIGHTS}.json`);
  const blobs =
    file.version === 1
      ? readIndexedTensors(binPath, file.tensors as TensorIndexEntry[], jsonPath)
      : readTensorBlobs(dir, WEIGHTS);
  const out = new Map<string, NamedArray>();
  for (const [name, shape] of expected) {
    const t = blobs.get(name);
    if (!t && optional.has(name)) continue;
    if (!t) throw new FileFormatError(indexPath, `tensor ${name} is missing (expected shape [${shape}])`);
    if (!sameShape(t.shape, shape)) {
      throw new FileFormatError(
        indexPath,
        `tensor ${name} has shape [${t.shape}] in the file but the model expects [${shape}]`,
      );
    }
    out.set(name, { shape: [...shape], values: t.data.slice() });
  }
  for (const [name, t] of blobs) {
    if (!expected.has(name))
      throw new FileFormatError(indexPath, `tensor ${name} [${t.shape}] is not part of this model`);
  }
  return out;
}
