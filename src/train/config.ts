/**
 * Building the one training config: preset defaults ← config file ← ablation preset ← CLI flags (flags
 * win), validated once by configSchema. Objects merge key by key; lists of objects (the phases) merge
 * element by element and take the overriding list's length, so a file can tweak one phase without
 * restating the others.
 */
import { readFileSync } from "node:fs";
import { extname } from "node:path";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { z } from "zod";
import { FileFormatError } from "../util/index.js";
import {
  ABLATIONS,
  ConfigError,
  allowedKeys,
  baseOf,
  configSchema,
  didYouMean,
  dotted,
  issuesFromZod,
  schemaAt,
  type Ablation,
  type TrainConfig,
} from "../run/index.js";
import { PRESETS, applyAblation, type PresetName } from "./presets.js";

export type RawConfig = Record<string, unknown>;

/** Flag overrides: dotted keys ("ppo.clip", "phases.1.lr") or nested objects; string values are coerced. */
export type ConfigFlags = Record<string, unknown>;

export interface ResolveOptions {
  /** A config file path (YAML or JSON), or its already-parsed contents. */
  file?: string | RawConfig;
  flags?: ConfigFlags;
  /** Ablation preset; beats `ablation` in the file, loses to an `ablation` flag. */
  ablation?: Ablation;
  /** Base values: "default" (the original's curriculum, docs/original.md) or "demo" (npm start). */
  preset?: PresetName;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** Deep merge: objects key by key, lists of objects element-wise (taking b's length), anything else replaced. */
export function mergeRaw(a: unknown, b: unknown): unknown {
  if (b === undefined) return a;
  if (isPlainObject(a) && isPlainObject(b)) {
    const out: Record<string, unknown> = { ...a };
    for (const [k, v] of Object.entries(b)) out[k] = mergeRaw(a[k], v);
    return out;
  }
  if (Array.isArray(a) && Array.isArray(b) && b.every(isPlainObject)) {
    return b.map((v, i) => (isPlainObject(a[i]) ? mergeRaw(a[i], v) : v));
  }
  return structuredClone(b);
}

/** Reads a YAML/JSON config file into a raw (unvalidated) object. */
export function readConfigFile(path: string): RawConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new FileFormatError(
      path,
      `cannot read the config file (${(e as NodeJS.ErrnoException).code ?? e})`,
    );
  }
  let data: unknown;
  try {
    data = extname(path).toLowerCase() === ".json" ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new FileFormatError(
      path,
      `not valid ${extname(path) === ".json" ? "JSON" : "YAML"}: ${(e as Error).message}`,
    );
  }
  if (data === null || data === undefined) return {};
  if (!isPlainObject(data))
    throw new FileFormatError(path, "the config file must hold a mapping of keys to values");
  return data;
}

/** A config file merged onto the defaults and validated. */
export function loadConfigFile(path: string): TrainConfig {
  return resolveConfig({ file: path });
}

export function defaultConfig(preset: PresetName = "default"): TrainConfig {
  return PRESETS[preset]();
}

/** Turns "ppo.clip=0.2" (a `--set` flag) into ["ppo.clip", "0.2"]. */
export function parseSetFlag(text: string): [string, string] {
  const eq = text.indexOf("=");
  if (eq <= 0) throw new ConfigError([issue(text, text, "key=value, e.g. ppo.clip=0.2")]);
  return [text.slice(0, eq).trim(), text.slice(eq + 1).trim()];
}

function issue(key: string, value: unknown, expected: string) {
  return {
    key,
    value,
    expected,
    message: `config key \`${key}\` = ${JSON.stringify(value)}: expected ${expected}`,
  };
}

/** CLI strings become YAML scalars ("0.2" → 0.2, "null" → null) unless the key holds a string. */
function coerceFlag(path: string[], value: unknown): unknown {
  if (typeof value !== "string") return value;
  const s = schemaAt(configSchema, path);
  const base = s && baseOf(s);
  if (base instanceof z.ZodString || base instanceof z.ZodEnum) return value;
  try {
    return parseYaml(value);
  } catch {
    return value;
  }
}

/** Sets one dotted key in a raw config, creating intermediate objects; unknown keys fail here, early. */
function setDotted(raw: RawConfig, key: string, value: unknown): void {
  const path = key.split(".");
  let node: unknown = raw;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i];
    const last = i === path.length - 1;
    const here = path.slice(0, i);
    if (Array.isArray(node)) {
      const idx = Number(seg);
      if (!Number.isInteger(idx) || idx < 0 || idx > node.length) {
        throw new ConfigError([issue(key, value, `an index in [0, ${node.length}] at \`${dotted(here)}\``)]);
      }
      if (last) node[idx] = coerceFlag(path, value);
      else node = node[idx] ??= {};
    } else if (isPlainObject(node)) {
      const allowed = allowedKeys(configSchema, here);
      const isRecord = dotted(here) === "model" || here[0] === "model";
      if (!isRecord && allowed.length > 0 && !allowed.includes(seg)) {
        const guess = didYouMean(seg, allowed);
        const hint = guess
          ? `did you mean \`${dotted([...here, guess])}\`?`
          : `allowed keys: ${allowed.join(", ")}`;
        throw new ConfigError([
          {
            key,
            value,
            expected: `a known key (${hint})`,
            message: `config key \`${key}\` is not a known key; ${hint}`,
          },
        ]);
      }
      if (last) node[seg] = coerceFlag(path, value);
      else {
        const next = node[seg];
        if (next === undefined || next === null) node[seg] = {};
        node = node[seg];
      }
    } else {
      throw new ConfigError([issue(key, value, `\`${dotted(here)}\` to be an object or list`)]);
    }
  }
}

function applyFlags(raw: RawConfig, flags: ConfigFlags): RawConfig {
  const out = structuredClone(raw);
  const walk = (prefix: string[], obj: Record<string, unknown>) => {
    for (const [k, v] of Object.entries(obj)) {
      if (v === undefined) continue;
      const path = [...prefix, ...k.split(".")];
      if (isPlainObject(v) && path[0] !== "model") walk(path, v);
      else setDotted(out, path.join("."), v);
    }
  };
  walk([], flags);
  return out;
}

/** YAML's `.inf` (or a JSON 1e999) as the last phase's `until` means "open-ended", stored as null. */
function normaliseOpenEnded(raw: RawConfig): void {
  const phases = raw.phases;
  if (!Array.isArray(phases)) return;
  for (const p of phases) if (isPlainObject(p) && p.until === Infinity) p.until = null;
}

/** Validates a raw config; throws ConfigError naming each bad key, its value and the allowed range. */
export function parseConfig(raw: unknown): TrainConfig {
  const r = configSchema.safeParse(raw);
  if (!r.success) throw new ConfigError(issuesFromZod(configSchema, r.error, raw));
  return r.data;
}

export function resolveConfig(opts: ResolveOptions = {}): TrainConfig {
  let raw = PRESETS[opts.preset ?? "default"]() as unknown as RawConfig;
  if (opts.file !== undefined) {
    const fromFile = typeof opts.file === "string" ? readConfigFile(opts.file) : opts.file;
    raw = mergeRaw(raw, fromFile) as RawConfig;
  }
  const flags = opts.flags ?? {};
  const flagAblation = flags.ablation;
  const ablation = (
    typeof flagAblation === "string" ? flagAblation : (opts.ablation ?? raw.ablation)
  ) as Ablation;
  if ((ABLATIONS as readonly unknown[]).includes(ablation)) {
    raw.ablation = ablation;
    if (Array.isArray(raw.phases))
      raw.phases = applyAblation(raw.phases as Record<string, unknown>[], ablation);
  }
  raw = applyFlags(raw, flags);
  normaliseOpenEnded(raw);
  return parseConfig(raw);
}

/** Human-readable dump for the console and training.log (the run folder keeps config.json). */
export function formatConfig(config: TrainConfig): string {
  return stringifyYaml(config, { lineWidth: 0 }).trimEnd();
}
