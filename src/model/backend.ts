/**
 * Tensor backend selection: tfjs-core with tfjs-backend-wasm (SIMD, XNNPACK) by default, tfjs-backend-cpu as
 * fallback. The wasm binaries are loaded from the installed package (no network).
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { InvalidArgumentError } from "../util/index.js";
import { registerKernels } from "./kernels/index.js";
import type { BackendName } from "./kernels/index.js";

export type BackendKind = BackendName;
export const BACKEND_KINDS: readonly BackendKind[] = ["wasm", "cpu"];

let wasmPathsSet = false;

/** The folder of tfjs-backend-wasm's .wasm files inside node_modules. */
export function wasmDistDir(): string {
  const req = createRequire(import.meta.url);
  return join(dirname(req.resolve("@tensorflow/tfjs-backend-wasm/package.json")), "dist");
}

/**
 * Selects and initialises the backend, registering our kernels first. Safe to call repeatedly; switching
 * between backends is allowed (tensors of the old backend are moved lazily by tfjs).
 */
export async function initBackend(kind: BackendKind = "wasm"): Promise<BackendKind> {
  if (!BACKEND_KINDS.includes(kind))
    throw new InvalidArgumentError("tensor backend", kind, `one of ${BACKEND_KINDS.join(", ")}`);
  registerKernels("cpu");
  if (kind === "wasm") {
    registerKernels("wasm");
    if (!wasmPathsSet) {
      // In Node, the wasm loader reads these paths from disk; a file path prefix with a trailing slash works.
      const dir = wasmDistDir();
      setWasmPaths(dir.endsWith("/") ? dir : dir + "/");
      wasmPathsSet = true;
    }
  }
  const ok = await tf.setBackend(kind);
  if (!ok) throw new Error(`could not initialise the ${kind} tensor backend`);
  await tf.ready();
  return kind;
}

export function currentBackend(): BackendKind {
  return tf.getBackend() as BackendKind;
}

/** For diagnostics: where the wasm binaries come from. */
export function wasmDistUrl(): string {
  return pathToFileURL(wasmDistDir()).href;
}
