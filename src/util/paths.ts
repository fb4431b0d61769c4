/** Locates the project root (the folder holding tedg-rl's package.json) from any compiled module. */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { homedir } from "node:os";
import { fileURLToPath } from "node:url";

let cached: string | undefined;

export function projectRoot(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, "utf8")) as { name?: string }).name === "tedg-rl")
          return (cached = dir);
      } catch {
        /* keep walking */
      }
    }
    const parent = dirname(dir);
    if (parent === dir)
      throw new Error("cannot find the tedg-rl package root above " + fileURLToPath(import.meta.url));
    dir = parent;
  }
}

/**
 * Where built artefacts (the optimised wasm) live: $TEDG_CACHE_DIR, else $XDG_CACHE_HOME/tedg, else
 * ~/.cache/tedg. Outside the checkout on purpose: every clone on a machine shares one build; entries are keyed
 * by the input bytes' hash and verified on load, so sharing is safe.
 */
export function cacheDir(): string {
  if (process.env.TEDG_CACHE_DIR) return process.env.TEDG_CACHE_DIR;
  const base = process.env.XDG_CACHE_HOME || join(homedir(), ".cache");
  return join(base, "tedg");
}
