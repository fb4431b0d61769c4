/** Base class of every error tedg throws on bad input: the message names the value and what was allowed. */
export class TedgError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A value outside what an API accepts (bad action, seed, option, config key…). */
export class InvalidArgumentError extends TedgError {
  constructor(
    readonly what: string,
    readonly value: unknown,
    readonly allowed: string,
  ) {
    super(`invalid ${what}: ${describe(value)}; expected ${allowed}`);
  }
}

/** An operation called in a state that does not allow it (e.g. step after the episode ended). */
export class StateError extends TedgError {}

/** A file that cannot be used: corrupt, wrong format, wrong shape. */
export class FileFormatError extends TedgError {
  constructor(
    readonly file: string,
    readonly detail: string,
  ) {
    super(`${file}: ${detail}`);
  }
}

export function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "bigint") return `${value}n`;
  if (value === undefined) return "undefined";
  try {
    const s = JSON.stringify(value);
    return s === undefined ? String(value) : s.length > 120 ? s.slice(0, 117) + "..." : s;
  } catch {
    return String(value);
  }
}
