/** Locates the project root (the folder holding tedg-rl's package.json) from any compiled module. */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

let cached: string | undefined;

export function projectRoot(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, "utf8")) as { name?: string }).name === "tedg-rl") return (cached = dir);
      } catch {
        /* keep walking */
      }
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error("cannot find the tedg-rl package root above " + fileURLToPath(import.meta.url));
    dir = parent;
  }
}

/** Where built artefacts (optimised wasm, caches) live: $TEDG_CACHE_DIR or <root>/.cache/tedg. */
export function cacheDir(): string {
  return process.env.TEDG_CACHE_DIR ?? join(projectRoot(), ".cache", "tedg");
}
