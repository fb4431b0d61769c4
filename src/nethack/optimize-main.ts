/**
 * Child-process entry of the wasm rewrite: `node optimize-main.js OUT` writes the optimised wasm to OUT.
 * buildAssets runs it as a separate process so that binaryen (about half a second of CPU and ~100 MB to load)
 * is never imported by processes and worker threads that only play games.
 */
import { writeFileAtomic } from "../util/index.js";
import { readPackageFiles } from "./package.js";
import { optimizeWasm } from "./wasm-optimize.js";

const out = process.argv[2];
if (!out) {
  console.error("usage: optimize-main.js OUT.wasm");
  process.exit(2);
}
writeFileAtomic(out, optimizeWasm(readPackageFiles().wasm));
