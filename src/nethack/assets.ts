/**
 * Engine assets: the patched glue, the data files and the compiled wasm, built once into a cache directory
 * keyed by the package bytes' hash, verified on every load (a corrupt or mismatched cache is rebuilt).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { cacheDir, TedgError, writeFileAtomic } from "../util/index.js";
import { patchGlue } from "./glue-patch.js";
import { readPackageFiles, sha256, type PackageFiles } from "./package.js";

/** Bump when the wasm rewrite (wasm-optimize.ts) changes, so cached outputs are rebuilt. */
export const OPTIMIZER_VERSION = "2";

export interface EngineAssets {
  wasmModule: WebAssembly.Module;
  factory: (module: Record<string, unknown>) => unknown;
  files: Uint8Array[];
  /** "optimized" (SAFE_HEAP removed) or "original". */
  variant: WasmVariant;
  dir: string;
}

export type WasmVariant = "optimized" | "original";

interface Manifest {
  inputHash: string;
  optimizerVersion: string;
  glue: string;
  files: Array<{ name: string; sha256: string; size: number }>;
  wasm?: string;
}

const GLUE_FILE = "nethack.glue.cjs";
const FILES_FILE = "files.bin";
const WASM_FILE = "nethack.opt.wasm";
const MANIFEST = "manifest.json";

export function assetDir(inputHash: string): string {
  return join(cacheDir(), `engine-${inputHash.slice(0, 16)}`);
}

function readManifest(dir: string): Manifest | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, MANIFEST), "utf8")) as Manifest;
  } catch {
    return undefined;
  }
}

/** Checks every cached file against the manifest's hashes. */
function verify(dir: string, pkg: PackageFiles, needWasm: boolean): Manifest | undefined {
  const m = readManifest(dir);
  if (!m || m.inputHash !== pkg.inputHash || m.optimizerVersion !== OPTIMIZER_VERSION) return undefined;
  try {
    if (sha256(readFileSync(join(dir, GLUE_FILE))) !== m.glue) return undefined;
    const blob = readFileSync(join(dir, FILES_FILE));
    let off = 0;
    for (const f of m.files) {
      if (sha256(blob.subarray(off, off + f.size)) !== f.sha256) return undefined;
      off += f.size;
    }
    if (off !== blob.length) return undefined;
    if (needWasm) {
      if (!m.wasm || !existsSync(join(dir, WASM_FILE))) return undefined;
      if (sha256(readFileSync(join(dir, WASM_FILE))) !== m.wasm) return undefined;
    }
  } catch {
    return undefined;
  }
  return m;
}

export interface BuildOptions {
  /** Also build the optimised wasm (slow: about a minute). Default true. */
  optimize?: boolean;
  log?: (msg: string) => void;
  /** Rebuild even when the cache verifies. */
  force?: boolean;
}

/** Builds (or verifies) the cached assets; returns the cache directory. */
export function buildAssets(opts: BuildOptions = {}): string {
  const optimize = opts.optimize ?? true;
  const log = opts.log ?? (() => {});
  const pkg = readPackageFiles();
  const dir = assetDir(pkg.inputHash);
  let m = opts.force ? undefined : verify(dir, pkg, optimize);
  if (m) return dir;

  const existing = opts.force ? undefined : verify(dir, pkg, false);
  mkdirSync(dir, { recursive: true });
  if (!existing) {
    log("patching the NetHack glue…");
    const patched = patchGlue(pkg.glue.toString("utf8"));
    writeFileAtomic(join(dir, GLUE_FILE), patched.source);
    writeFileAtomic(join(dir, FILES_FILE), Buffer.concat(patched.files.map((f) => Buffer.from(f.data))));
    m = {
      inputHash: pkg.inputHash,
      optimizerVersion: OPTIMIZER_VERSION,
      glue: sha256(patched.source),
      files: patched.files.map((f) => ({ name: f.name, sha256: sha256(f.data), size: f.data.length })),
    };
    rmSync(join(dir, MANIFEST), { force: true });
    writeFileAtomic(join(dir, MANIFEST), JSON.stringify(m, null, 2));
  } else {
    m = existing;
  }
  if (optimize) {
    log(
      "optimising nethack.wasm with binaryen (SAFE_HEAP accessors → plain memory access; about a minute, once)…",
    );
    const t0 = Date.now();
    const out = optimizeInChildProcess(join(dir, WASM_FILE));
    m.wasm = sha256(out);
    writeFileAtomic(join(dir, MANIFEST), JSON.stringify(m, null, 2));
    log(
      `optimised wasm written (${(out.length / 1e6).toFixed(1)} MB, ${((Date.now() - t0) / 1000).toFixed(0)} s)`,
    );
  }
  return dir;
}

/** Runs the binaryen rewrite in a child process (see optimize-main.ts) and returns the bytes it wrote. */
function optimizeInChildProcess(outPath: string): Uint8Array {
  const script = fileURLToPath(new URL("./optimize-main.js", import.meta.url));
  try {
    execFileSync(process.execPath, [script, outPath], { stdio: ["ignore", "ignore", "inherit"] });
  } catch (e) {
    throw new TedgError(`the wasm rewrite (${script}) failed: ${(e as Error).message}`);
  }
  return readFileSync(outPath);
}

const loaded = new Map<WasmVariant, EngineAssets>();

/**
 * Loads the engine assets once per thread. The optimised wasm is used when built (see `tedg engine build`);
 * `variant: "original"` runs the package's own debug wasm (slow, for comparisons).
 */
export function loadAssets(variant: WasmVariant = "optimized", log?: (msg: string) => void): EngineAssets {
  const hit = loaded.get(variant);
  if (hit) return hit;
  const pkg = readPackageFiles();
  const dir = buildAssets({ optimize: variant === "optimized", log });
  const wasmBytes = variant === "optimized" ? readFileSync(join(dir, WASM_FILE)) : pkg.wasm;
  const assets = assetsFrom(dir, readManifest(dir)!, variant, new WebAssembly.Module(wasmBytes));
  loaded.set(variant, assets);
  return assets;
}

/** The data files (views into one read of files.bin) and the patched glue of a cache folder, with a compiled module. */
function assetsFrom(
  dir: string,
  m: Manifest,
  variant: WasmVariant,
  wasmModule: WebAssembly.Module,
): EngineAssets {
  const blob = readFileSync(join(dir, FILES_FILE));
  const files: Uint8Array[] = [];
  let off = 0;
  for (const f of m.files) {
    files.push(new Uint8Array(blob.buffer, blob.byteOffset + off, f.size));
    off += f.size;
  }
  const require = createRequire(import.meta.url);
  const factory = require(join(dir, GLUE_FILE)) as EngineAssets["factory"];
  return { wasmModule, factory, files, variant, dir };
}

/** For worker threads: reuse a compiled module posted from the main thread. */
export function adoptCompiledModule(variant: WasmVariant, wasmModule: WebAssembly.Module): void {
  if (loaded.has(variant)) return;
  const pkg = readPackageFiles();
  const dir = assetDir(pkg.inputHash);
  const m = readManifest(dir);
  if (!m) throw new Error(`engine cache missing in ${dir}; run "tedg engine build"`);
  loaded.set(variant, assetsFrom(dir, m, variant, wasmModule));
}
