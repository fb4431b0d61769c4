/** NLE-style character strings ("mon-hum-neu-mal") → NetHack options. */
import { InvalidArgumentError, type Rng } from "../util/index.js";

export const ROLES = [
  "arc",
  "bar",
  "cav",
  "hea",
  "kni",
  "mon",
  "pri",
  "rog",
  "ran",
  "sam",
  "tou",
  "val",
  "wiz",
];
export const RACES = ["hum", "elf", "dwa", "gno", "orc"];
export const ALIGNS = ["law", "neu", "cha"];
export const GENDERS = ["mal", "fem"];

export interface Character {
  role: string;
  race?: string;
  align?: string;
  gender?: string;
}

/** Parses "role[-race[-align[-gender]]]"; "@" picks a random role (from the given rng, so seeds fix it). */
export function parseCharacter(spec: string, rng?: Rng): Character {
  if (typeof spec !== "string" || spec.length === 0) {
    throw new InvalidArgumentError("character", spec, 'a string like "mon-hum-neu-mal" or "@"');
  }
  if (spec === "@") {
    if (!rng) throw new InvalidArgumentError("character", spec, "a random character needs a seeded rng");
    return { role: ROLES[rng.int(ROLES.length)] };
  }
  const parts = spec.toLowerCase().split("-");
  if (parts.length > 4)
    throw new InvalidArgumentError("character", spec, "at most 4 parts: role-race-align-gender");
  const [role, race, align, gender] = parts;
  const check = (what: string, v: string | undefined, allowed: string[]) => {
    if (v !== undefined && !allowed.includes(v))
      throw new InvalidArgumentError(`character ${what}`, v, `one of ${allowed.join(", ")}`);
  };
  check("role", role, ROLES);
  check("race", race, RACES);
  check("alignment", align, ALIGNS);
  check("gender", gender, GENDERS);
  return { role, race, align, gender };
}

export function characterOptions(c: Character): string {
  const opts = [`role:${c.role}`];
  if (c.race) opts.push(`race:${c.race}`);
  if (c.gender) opts.push(`gender:${c.gender}`);
  if (c.align) opts.push(`align:${c.align}`);
  return opts.join(",");
}
