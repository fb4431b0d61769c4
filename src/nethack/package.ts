/**
 * Locates the pinned @neth4ck/neth4ck package and verifies its bytes: every address and patch in this layer
 * belongs to exactly these files, so a different version must fail loudly instead of misbehaving.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { TedgError } from "../util/index.js";

export const PINNED_VERSION = "1.0.4";
export const PINNED_SHA256 = {
  "nethack.js": "9e0a7b6fdb63d2132ec64af3112240a9cb47998d1552d2e59555bb9a2cc89203",
  "nethack.wasm": "27507db2a4fb57c313373e23f1f3e8023786a65931d1a45ac7847634be6a8212",
} as const;

export class EnginePackageError extends TedgError {}

export interface PackageFiles {
  dir: string;
  glue: Buffer;
  wasm: Buffer;
  /** sha256 of glue and wasm together: the cache key of everything built from them. */
  inputHash: string;
}

export function sha256(data: Uint8Array | string): string {
  return createHash("sha256").update(data).digest("hex");
}

export function locatePackage(): string {
  const require = createRequire(import.meta.url);
  let pkgJson: string;
  try {
    pkgJson = require.resolve("@neth4ck/neth4ck/package.json");
  } catch {
    throw new EnginePackageError(
      `@neth4ck/neth4ck is not installed; run "npm ci" (tedg needs exactly version ${PINNED_VERSION})`,
    );
  }
  const version = (JSON.parse(readFileSync(pkgJson, "utf8")) as { version: string }).version;
  if (version !== PINNED_VERSION) {
    throw new EnginePackageError(
      `@neth4ck/neth4ck is version ${version}; tedg needs exactly ${PINNED_VERSION} (its memory layout and patches are version-specific); run "npm ci"`,
    );
  }
  return join(dirname(pkgJson), "build");
}

export function readPackageFiles(): PackageFiles {
  const dir = locatePackage();
  const glue = readFileSync(join(dir, "nethack.js"));
  const wasm = readFileSync(join(dir, "nethack.wasm"));
  for (const [name, data] of [
    ["nethack.js", glue],
    ["nethack.wasm", wasm],
  ] as const) {
    const got = sha256(data);
    if (got !== PINNED_SHA256[name]) {
      throw new EnginePackageError(
        `${join(dir, name)} has sha256 ${got}, expected ${PINNED_SHA256[name]} (the pinned ${PINNED_VERSION} bytes); reinstall with "npm ci"`,
      );
    }
  }
  return { dir, glue, wasm, inputHash: sha256(Buffer.concat([glue, wasm])) };
}
