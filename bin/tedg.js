#!/usr/bin/env node
// Thin launcher: the CLI lives in the compiled TypeScript (npm run build).
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const entry = join(root, "dist", "src", "cli", "main.js");
if (!existsSync(entry)) {
  console.error(`tedg: ${entry} is missing; run "npm run build" first.`);
  process.exit(2);
}
process.env.TZ = "UTC";
await import(entry);
