/**
 * Named float32 tensors on disk as a pair of files: `<name>.bin` (the data, little-endian, concatenated in
 * order) and `<name>.json` (the manifest: names, shapes, offsets, byte length, SHA-256 of the .bin). Reading
 * checks everything, so a truncated or corrupt file is a FileFormatError naming the file, never garbage.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { endianness } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { FileFormatError, InvalidArgumentError, writeFileAtomic } from "../util/index.js";

export interface TensorBlob {
  shape: number[];
  data: Float32Array;
}
/** Ordered (insertion order is file order, which matters for the optimizer's moments). */
export type TensorBlobs = Map<string, TensorBlob>;

const FORMAT = "tedg-tensors";
const VERSION = 1;

interface ManifestEntry {
  name: string;
  shape: number[];
  /** Element offset into the .bin (float32 units). */
  offset: number;
  length: number;
}
interface Manifest {
  format: typeof FORMAT;
  version: number;
  dtype: "float32";
  byteLength: number;
  sha256: string;
  tensors: ManifestEntry[];
}

const sizeOf = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

function assertLittleEndian(): void {
  // Float32Array views use the host byte order; every platform Node supports here is little-endian.
  if (endianness() !== "LE") throw new Error("tedg tensor files are little-endian; this host is big-endian");
}

/** Writes `<dir>/<base>.bin` and `<dir>/<base>.json` (each atomically; the .json last, naming the .bin's hash). */
export function writeTensorBlobs(dir: string, base: string, blobs: TensorBlobs): void {
  assertLittleEndian();
  const entries: ManifestEntry[] = [];
  let total = 0;
  for (const [name, b] of blobs) {
    if (!b.shape.every((d) => Number.isInteger(d) && d >= 0) || sizeOf(b.shape) !== b.data.length) {
      throw new InvalidArgumentError(
        `tensor "${name}" shape`,
        b.shape,
        `dimensions whose product is ${b.data.length}`,
      );
    }
    entries.push({ name, shape: [...b.shape], offset: total, length: b.data.length });
    total += b.data.length;
  }
  const all = new Float32Array(total);
  let i = 0;
  for (const b of blobs.values()) {
    all.set(b.data, entries[i].offset);
    i++;
  }
  const bytes = new Uint8Array(all.buffer, all.byteOffset, all.byteLength);
  const manifest: Manifest = {
    format: FORMAT,
    version: VERSION,
    dtype: "float32",
    byteLength: bytes.byteLength,
    sha256: createHash("sha256").update(bytes).digest("hex"),
    tensors: entries,
  };
  writeFileAtomic(join(dir, `${base}.bin`), bytes);
  writeFileAtomic(join(dir, `${base}.json`), JSON.stringify(manifest, null, 1) + "\n");
}

function readManifest(file: string): Manifest {
  let m: unknown;
  try {
    m = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new FileFormatError(
      file,
      code ? `cannot read (${code})` : `not valid JSON (${(e as Error).message})`,
    );
  }
  const o = m as Partial<Manifest>;
  if (o?.format !== FORMAT)
    throw new FileFormatError(
      file,
      `not a tensor manifest (format ${JSON.stringify(o?.format)}, expected "${FORMAT}")`,
    );
  if (o.version !== VERSION)
    throw new FileFormatError(
      file,
      `unsupported version ${JSON.stringify(o.version)} (this build reads ${VERSION})`,
    );
  if (o.dtype !== "float32") throw new FileFormatError(file, `unsupported dtype ${JSON.stringify(o.dtype)}`);
  if (!Number.isInteger(o.byteLength) || (o.byteLength as number) < 0 || (o.byteLength as number) % 4 !== 0) {
    throw new FileFormatError(file, `bad byteLength ${JSON.stringify(o.byteLength)}`);
  }
  if (typeof o.sha256 !== "string" || !/^[0-9a-f]{64}$/.test(o.sha256))
    throw new FileFormatError(file, "missing or bad sha256");
  if (!Array.isArray(o.tensors)) throw new FileFormatError(file, "missing the tensors list");
  const names = new Set<string>();
  const elements = (o.byteLength as number) / 4;
  o.tensors.forEach((t, i) => {
    const where = `tensor #${i}${typeof t?.name === "string" ? ` "${t.name}"` : ""}`;
    if (typeof t?.name !== "string") throw new FileFormatError(file, `${where} has no name`);
    if (names.has(t.name)) throw new FileFormatError(file, `${where} is listed twice`);
    names.add(t.name);
    if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new FileFormatError(file, `${where} has a bad shape ${JSON.stringify(t.shape)}`);
    }
    if (!Number.isInteger(t.length) || t.length !== sizeOf(t.shape)) {
      throw new FileFormatError(file, `${where}: length ${t.length} does not match shape [${t.shape}]`);
    }
    if (!Number.isInteger(t.offset) || t.offset < 0 || t.offset + t.length > elements) {
      throw new FileFormatError(
        file,
        `${where}: offset ${t.offset} + length ${t.length} is outside the ${elements} stored values`,
      );
    }
  });
  return o as Manifest;
}

/** Reads what writeTensorBlobs wrote, verifying the manifest, the .bin's size and its SHA-256. */
export function readTensorBlobs(dir: string, base: string): TensorBlobs {
  assertLittleEndian();
  const jsonFile = join(dir, `${base}.json`);
  const binFile = join(dir, `${base}.bin`);
  const m = readManifest(jsonFile);
  let buf: Buffer;
  try {
    buf = readFileSync(binFile);
  } catch (e) {
    throw new FileFormatError(binFile, `cannot read (${(e as NodeJS.ErrnoException).code ?? e})`);
  }
  if (buf.byteLength !== m.byteLength) {
    throw new FileFormatError(
      binFile,
      `holds ${buf.byteLength} bytes, ${base}.json says ${m.byteLength} (truncated or wrong file)`,
    );
  }
  if (createHash("sha256").update(buf).digest("hex") !== m.sha256) {
    throw new FileFormatError(
      binFile,
      `SHA-256 does not match ${base}.json (corrupt or from another checkpoint)`,
    );
  }
  // Copy into an aligned buffer: Node's Buffer may start at any byte offset.
  const all = new Float32Array(buf.byteLength / 4);
  new Uint8Array(all.buffer).set(buf);
  const out: TensorBlobs = new Map();
  for (const t of m.tensors)
    out.set(t.name, { shape: t.shape, data: all.subarray(t.offset, t.offset + t.length) });
  return out;
}

/** Blobs from variables, keyed by variable name, in the given order. */
export function blobsFromVariables(variables: readonly tf.Variable[]): TensorBlobs {
  const out: TensorBlobs = new Map();
  for (const v of variables)
    out.set(v.name, { shape: [...v.shape], data: Float32Array.from(v.dataSync() as Float32Array) });
  return out;
}

/**
 * Assigns blobs to variables by name; every variable must be present with its exact shape. `source` names
 * the file in errors.
 */
export function assignVariablesFromBlobs(
  variables: readonly tf.Variable[],
  blobs: TensorBlobs,
  source: string,
): void {
  for (const v of variables) {
    const b = blobs.get(v.name);
    if (!b) throw new FileFormatError(source, `has no tensor for variable "${v.name}"`);
    if (b.shape.length !== v.shape.length || b.shape.some((d, i) => d !== v.shape[i])) {
      throw new FileFormatError(
        source,
        `tensor "${v.name}" has shape [${b.shape}], the variable has [${v.shape}]`,
      );
    }
  }
  for (const v of variables) {
    const b = blobs.get(v.name) as TensorBlob;
    tf.tidy(() => v.assign(tf.tensor(b.data, b.shape, "float32")));
  }
}
