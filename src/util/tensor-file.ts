/**
 * The one binary tensor file format of tedg, used by checkpoints (weights, optimizer state) and saved policies:
 * named float32 tensors as a pair of files, `<name>.bin` (the data, little-endian, concatenated in order) and
 * `<name>.json` (the manifest: names, shapes, offsets, byte length, SHA-256 of the .bin). Reading checks
 * everything, so a truncated or corrupt file is a FileFormatError naming the file, never garbage.
 *
 * Saved policies written before this format (model.json version 1) kept their tensor index inside model.json,
 * without lengths or a hash; `readIndexedTensors` reads that older layout's .bin.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { endianness } from "node:os";
import { join } from "node:path";
import { FileFormatError, InvalidArgumentError } from "./errors.js";
import { writeFileAtomic } from "./fs.js";

export interface TensorBlob {
  shape: number[];
  data: Float32Array;
}
/** Ordered (insertion order is file order, which matters for the optimizer's moments). */
export type TensorBlobs = Map<string, TensorBlob>;

export const TENSOR_FILE_FORMAT = "tedg-tensors";
export const TENSOR_FILE_VERSION = 1;

/** One tensor of a .bin: where it starts (in float32 elements) and its shape. */
export interface TensorIndexEntry {
  name: string;
  shape: number[];
  /** Element offset into the .bin (float32 units). */
  offset: number;
}

interface ManifestEntry extends TensorIndexEntry {
  length: number;
}
interface Manifest {
  format: typeof TENSOR_FILE_FORMAT;
  version: number;
  dtype: "float32";
  byteLength: number;
  sha256: string;
  tensors: ManifestEntry[];
}

const sizeOf = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
const isShape = (s: unknown): s is number[] =>
  Array.isArray(s) && s.every((d) => Number.isInteger(d) && d >= 0);

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
    if (!isShape(b.shape) || sizeOf(b.shape) !== b.data.length) {
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
    format: TENSOR_FILE_FORMAT,
    version: TENSOR_FILE_VERSION,
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
  if (o?.format !== TENSOR_FILE_FORMAT)
    throw new FileFormatError(
      file,
      `not a tensor manifest (format ${JSON.stringify(o?.format)}, expected "${TENSOR_FILE_FORMAT}")`,
    );
  if (o.version !== TENSOR_FILE_VERSION)
    throw new FileFormatError(
      file,
      `unsupported version ${JSON.stringify(o.version)} (this build reads ${TENSOR_FILE_VERSION})`,
    );
  if (o.dtype !== "float32") throw new FileFormatError(file, `unsupported dtype ${JSON.stringify(o.dtype)}`);
  if (!Number.isInteger(o.byteLength) || (o.byteLength as number) < 0 || (o.byteLength as number) % 4 !== 0) {
    throw new FileFormatError(file, `bad byteLength ${JSON.stringify(o.byteLength)}`);
  }
  if (typeof o.sha256 !== "string" || !/^[0-9a-f]{64}$/.test(o.sha256))
    throw new FileFormatError(file, "missing or bad sha256");
  if (!Array.isArray(o.tensors)) throw new FileFormatError(file, "missing the tensors list");
  checkIndex(file, o.tensors, (o.byteLength as number) / 4, true);
  return o as Manifest;
}

/**
 * Checks an index against a .bin of `elements` float32 values: names present and unique, shapes valid, every
 * tensor inside the data (and, with `withLength`, its stored length equal to its shape's size).
 */
function checkIndex(
  file: string,
  tensors: readonly Partial<ManifestEntry>[],
  elements: number,
  withLength: boolean,
): void {
  const names = new Set<string>();
  tensors.forEach((t, i) => {
    const where = `tensor #${i}${typeof t?.name === "string" ? ` "${t.name}"` : ""}`;
    if (typeof t?.name !== "string") throw new FileFormatError(file, `${where} has no name`);
    if (names.has(t.name)) throw new FileFormatError(file, `${where} is listed twice`);
    names.add(t.name);
    if (!isShape(t.shape)) {
      throw new FileFormatError(file, `${where} has a bad shape ${JSON.stringify(t.shape)}`);
    }
    const length = sizeOf(t.shape);
    if (withLength && (!Number.isInteger(t.length) || t.length !== length)) {
      throw new FileFormatError(file, `${where}: length ${t.length} does not match shape [${t.shape}]`);
    }
    if (!Number.isInteger(t.offset) || (t.offset as number) < 0 || (t.offset as number) + length > elements) {
      throw new FileFormatError(
        file,
        `${where}: offset ${t.offset} + length ${length} is outside the ${elements} stored values`,
      );
    }
  });
}

function readBin(binFile: string): Buffer {
  try {
    return readFileSync(binFile);
  } catch (e) {
    throw new FileFormatError(binFile, `cannot read (${(e as NodeJS.ErrnoException).code ?? e})`);
  }
}

/** The .bin's values in an aligned buffer (Node's Buffer may start at any byte offset). */
function float32s(buf: Buffer): Float32Array {
  const all = new Float32Array(buf.byteLength / 4);
  new Uint8Array(all.buffer).set(buf);
  return all;
}

function slice(all: Float32Array, index: readonly TensorIndexEntry[]): TensorBlobs {
  const out: TensorBlobs = new Map();
  for (const t of index)
    out.set(t.name, { shape: [...t.shape], data: all.subarray(t.offset, t.offset + sizeOf(t.shape)) });
  return out;
}

/** Reads what writeTensorBlobs wrote, verifying the manifest, the .bin's size and its SHA-256. */
export function readTensorBlobs(dir: string, base: string): TensorBlobs {
  assertLittleEndian();
  const jsonFile = join(dir, `${base}.json`);
  const binFile = join(dir, `${base}.bin`);
  const m = readManifest(jsonFile);
  const buf = readBin(binFile);
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
  return slice(float32s(buf), m.tensors);
}

/**
 * Reads a .bin through an index kept elsewhere (saved policies of model.json version 1: the index is
 * model.json's `tensors`, and there is no hash to check). `indexFile` names the index in errors.
 */
export function readIndexedTensors(
  binFile: string,
  index: readonly TensorIndexEntry[],
  indexFile: string,
): TensorBlobs {
  assertLittleEndian();
  const buf = readBin(binFile);
  if (buf.byteLength % 4 !== 0)
    throw new FileFormatError(binFile, `size ${buf.byteLength} is not a multiple of 4`);
  checkIndex(indexFile, index, buf.byteLength / 4, false);
  return slice(float32s(buf), index);
}
