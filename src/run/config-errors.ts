/**
 * Turns zod issues into messages a user can act on: the dotted key, the value given and what is allowed,
 * plus a "did you mean" for misspelt keys.
 */
import { z } from "zod";
import { InvalidArgumentError, describe } from "../util/index.js";
import { expectationOf } from "./config-schema.js";

export interface ConfigIssue {
  /** Dotted path, e.g. "ppo.clip" or "phases.1.lr". */
  key: string;
  value: unknown;
  expected: string;
  /** The full line, e.g. "config key `ppo.clip` = 3: expected a number in (0, 1]". */
  message: string;
}

/** A config that does not validate; `issues` lists every problem, the message has one line each. */
export class ConfigError extends InvalidArgumentError {
  constructor(readonly issues: ConfigIssue[]) {
    const first = issues[0];
    super(`config key \`${first.key}\``, first.value, first.expected);
    this.message = issues.map((i) => i.message).join("\n");
  }
}

type Path = readonly PropertyKey[];

export function dotted(path: Path): string {
  return path.length === 0 ? "(root)" : path.map(String).join(".");
}

/** Unwraps one default/optional/nullable/prefault/readonly layer, or returns undefined. */
function innerOf(schema: z.ZodType): z.ZodType | undefined {
  const def = (schema as unknown as { _zod: { def: { innerType?: z.ZodType } } })._zod.def;
  return def.innerType;
}

export function baseOf(schema: z.ZodType): z.ZodType {
  let s = schema;
  for (let inner = innerOf(s); inner; inner = innerOf(s)) s = inner;
  return s;
}

/** The schema that validates the value at `path`, if the path exists in the schema. */
export function schemaAt(root: z.ZodType, path: Path): z.ZodType | undefined {
  let s: z.ZodType | undefined = root;
  for (const seg of path) {
    if (!s) return undefined;
    const b = baseOf(s);
    if (b instanceof z.ZodObject) s = (b.shape as Record<string, z.ZodType>)[String(seg)];
    else if (b instanceof z.ZodArray) s = b.element as z.ZodType;
    else if (b instanceof z.ZodRecord) s = b._zod.def.valueType as z.ZodType;
    else return undefined;
  }
  return s;
}

/** "a number in [0, 1]"-style text for a schema, searching through wrapper layers. */
export function expectedText(schema: z.ZodType | undefined): string | undefined {
  for (let s = schema; s; s = innerOf(s)) {
    const text = expectationOf(s);
    if (text) return text;
    if (s instanceof z.ZodObject) return "an object with keys " + Object.keys(s.shape).join(", ");
  }
  return undefined;
}

/** The keys an object schema at `path` allows. */
export function allowedKeys(root: z.ZodType, path: Path): string[] {
  const s = schemaAt(root, path);
  const b = s && baseOf(s);
  return b instanceof z.ZodObject ? Object.keys(b.shape) : [];
}

function valueAt(input: unknown, path: Path): unknown {
  let v = input;
  for (const seg of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<PropertyKey, unknown>)[seg];
  }
  return v;
}

function editDistance(a: string, b: string): number {
  const dp = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prevDiag = dp[0];
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j];
      dp[j] = Math.min(dp[j] + 1, dp[j - 1] + 1, prevDiag + (a[i - 1] === b[j - 1] ? 0 : 1));
      prevDiag = tmp;
    }
  }
  return dp[b.length];
}

/** Like util's describe, but keeps NaN and ±Infinity readable (JSON would print null). */
const show = (v: unknown) => (typeof v === "number" ? String(v) : describe(v));

const squash = (s: string) => s.replace(/[-_]/g, "").toLowerCase();

/** The closest allowed key to a misspelt one (kebab/snake case and small typos), if any is close. */
export function didYouMean(key: string, candidates: readonly string[]): string | undefined {
  const exact = candidates.find((c) => squash(c) === squash(key));
  if (exact) return exact;
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(squash(key), squash(c));
    if (d < bestD) [best, bestD] = [c, d];
  }
  return bestD <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}

/** One ConfigIssue per problem in a failed parse of `input` against `root`. */
export function issuesFromZod(root: z.ZodType, error: z.ZodError, input: unknown): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const issue of error.issues) {
    const path = issue.path;
    if (issue.code === "unrecognized_keys") {
      const allowed = allowedKeys(root, path);
      for (const k of issue.keys) {
        const key = dotted([...path, k]);
        const guess = didYouMean(k, allowed);
        const hint = guess
          ? `did you mean \`${dotted([...path, guess])}\`?`
          : `allowed keys: ${allowed.join(", ")}`;
        out.push({
          key,
          value: valueAt(input, [...path, k]),
          expected: `a known key (${hint})`,
          message: `config key \`${key}\` is not a known key; ${hint}`,
        });
      }
      continue;
    }
    const key = dotted(path);
    const value = valueAt(input, path);
    const expected =
      issue.code === "custom" ? issue.message : (expectedText(schemaAt(root, path)) ?? issue.message);
    const message =
      value === undefined
        ? `config key \`${key}\` is missing: expected ${expected}`
        : `config key \`${key}\` = ${show(value)}: expected ${expected}`;
    out.push({ key, value, expected, message });
  }
  return out;
}
