/**
 * Rewrites the package's debug wasm with binaryen (npm) for speed, keeping behaviour identical:
 *  - every SAFE_HEAP_LOAD/STORE_* accessor (bounds/alignment checks around one memory access, 69 % of the
 *    original's run time) is reduced to `ptr += offset; <its own final load/store>`;
 *  - small functions are inlined (only small ones: inlining large one-caller functions made main() huge
 *    and the first game start took seconds);
 *  - with traps-never-happen, the Asyncify state assertions (`if (state != saved) unreachable`) are dropped,
 *    followed by local clean-up passes.
 * Asyncify instrumentation and the export/import surface are untouched, so the patched glue drives it as is.
 * Trajectories are verified identical to the original wasm by the engine tests. Runs in a child process
 * (optimize-main.ts); bump OPTIMIZER_VERSION in assets.ts when the rewrite changes.
 */
import binaryen from "binaryen";
import { TedgError } from "../util/index.js";

const SAFE_HEAP = /^SAFE_HEAP_(LOAD|STORE)_/;

export function optimizeWasm(wasm: Uint8Array): Uint8Array {
  const m = binaryen.readBinary(wasm);
  try {
    let rewritten = 0;
    for (let i = 0; i < m.getNumFunctions(); i++) {
      const fn = m.getFunctionByIndex(i);
      const info = binaryen.getFunctionInfo(fn);
      if (!SAFE_HEAP.test(info.name)) continue;
      const body = binaryen.getExpressionInfo(info.body) as binaryen.BlockInfo;
      if (body.id !== binaryen.BlockId || !body.children?.length) {
        throw new TedgError(`wasm rewrite: ${info.name} does not have the expected block body`);
      }
      const last = body.children[body.children.length - 1];
      // The final access already reads/writes through local 0 (ptr + offset, computed by a local.tee in the check).
      const newBody = m.block(
        null,
        [m.local.set(0, m.i32.add(m.local.get(0, binaryen.i32), m.local.get(1, binaryen.i32))), last],
        info.results,
      );
      (binaryen as unknown as { Function: { setBody(f: number, b: number): void } }).Function.setBody(
        fn,
        newBody,
      );
      rewritten++;
    }
    if (rewritten !== 34)
      throw new TedgError(`wasm rewrite: expected 34 SAFE_HEAP accessors, found ${rewritten}`);

    binaryen.setOptimizeLevel(2);
    binaryen.setShrinkLevel(0);
    binaryen.setAlwaysInlineMaxSize(12);
    binaryen.setOneCallerInlineMaxSize(12);
    binaryen.setFlexibleInlineMaxSize(12);
    binaryen.setTrapsNeverHappen(true);
    m.runPasses([
      "inlining",
      "optimize-instructions",
      "precompute",
      "simplify-locals",
      "vacuum",
      "merge-blocks",
      "remove-unused-brs",
      "remove-unused-module-elements",
      "coalesce-locals",
      "reorder-locals",
      "vacuum",
    ]);
    if (!m.validate()) throw new TedgError("wasm rewrite produced an invalid module");
    return m.emitBinary();
  } finally {
    m.dispose();
  }
}
