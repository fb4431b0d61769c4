import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import {
  makeEnv,
  BL,
  SCORE_ACTIONS,
  FULL_ACTIONS,
  decodeCString,
  digestObservation,
} from "../../src/env/index.js";
import { GLYPH_MON_OFF, GLYPH_PET_OFF } from "../../src/nethack/glyphs.js";
import { StateError, InvalidArgumentError } from "../../src/util/errors.js";

const child = fileURLToPath(new URL("./trajectory-child.js", import.meta.url));
const runChild = (seed: number, steps: number) =>
  JSON.parse(
    execFileSync(process.execPath, [child, String(seed), String(steps)], {
      encoding: "utf8",
      env: { ...process.env, TZ: "UTC" },
    }),
  ) as string[];

test("same seed gives the same 500-step episode in two separate processes; different seeds differ", () => {
  const a = runChild(123, 500);
  const b = runChild(123, 500);
  assert.ok(a.length > 50, `episode too short to compare (${a.length})`);
  assert.deepEqual(a, b);
  const c = runChild(124, 500);
  assert.notDeepEqual(a.slice(0, 20), c.slice(0, 20));
  // The children run with command-line arguments, this process (a test worker) without: NetHack must not see
  // the host process's argv (it would print an extra start-up message and change the first observation).
  const env = makeEnv({ maxEpisodeSteps: 100000 });
  try {
    assert.equal(digestObservation(env.reset({ seed: 123 }).obs), a[0]);
  } finally {
    env.close();
  }
});

test("the hero's glyph sits at blstats (x, y) and blstats agree with the status lines", () => {
  const env = makeEnv({ tty: true });
  for (const seed of [1, 2, 3]) {
    const { obs } = env.reset({ seed });
    const x = obs.blstats[BL.X];
    const y = obs.blstats[BL.Y];
    const g = obs.glyphs[y * 79 + x];
    assert.ok(
      g >= GLYPH_MON_OFF && g < GLYPH_PET_OFF,
      `hero cell holds glyph ${g}, expected a monster glyph`,
    );
    assert.equal(String.fromCharCode(obs.chars[y * 79 + x]), "@");
    // The tty screen shows the hero at the same place (row y+1, column x).
    assert.equal(String.fromCharCode(obs.tty_chars![(y + 1) * 80 + x]), "@");
    const status = env.render().split("\n").slice(22).join(" ");
    const m = /HP:(\d+)\((\d+)\) Pw:(\d+)\((\d+)\) AC:(-?\d+) Xp:(\d+)\/(\d+) T:(\d+)/.exec(status);
    assert.ok(m, `status line not found in ${JSON.stringify(status)}`);
    const [hp, hpmax, pw, pwmax, ac, xl, exp, time] = m.slice(1).map(Number);
    const b = obs.blstats;
    assert.deepEqual(
      [b[BL.HP], b[BL.HPMAX], b[BL.ENE], b[BL.ENEMAX], b[BL.AC], b[BL.XP], b[BL.EXP], b[BL.TIME]],
      [hp, hpmax, pw, pwmax, ac, xl, exp, time],
    );
    assert.match(status, new RegExp(`Dlvl:${b[BL.DEPTH]}\\b`));
    assert.equal(b[BL.HUNGER], 1, "a new Monk is 'Not hungry' (state 1)");
    assert.equal(b[BL.SCORE], 0);
    assert.equal(b[BL.ALIGN], 0, "neutral");
  }
  env.close();
});

test("a prompt is answered through actions: eat asks what, MORE cancels it", () => {
  const env = makeEnv();
  env.reset({ seed: 5 });
  const eat = SCORE_ACTIONS.indexOf("e".charCodeAt(0));
  const r1 = env.step(eat);
  assert.match(decodeCString(r1.obs.message), /What do you want to eat\?/);
  const r2 = env.step(0); // MORE (Enter)
  assert.match(decodeCString(r2.obs.message), /Never mind/);
  // The game is back at the command prompt: a move works.
  const t0 = r2.obs.blstats[BL.TIME];
  let moved = false;
  for (let a = 1; a <= 8 && !moved; a++) moved = env.step(a).obs.blstats[BL.TIME] > t0;
  assert.ok(moved);
});

test("'#' extended commands are typed one key per step, as in NLE's tty", () => {
  const env = makeEnv({ actions: "full" });
  env.reset({ seed: 5 });
  const key = (k: string | number) => {
    const a = FULL_ACTIONS.indexOf(typeof k === "string" ? k.charCodeAt(0) : k);
    assert.ok(a >= 0, `${k} is in the full action set`);
    return decodeCString(env.step(a).obs.message);
  };
  assert.equal(key("#"), "# ");
  // "pr" starts only one autocompleting command: the line completes to "pray" (prevmsg does not autocomplete).
  assert.equal(key("p"), "# pray");
  assert.equal(key("r"), "# pray");
  assert.equal(key("a"), "# pray");
  assert.match(key(13), /^Are you sure you want to pray\? \[yn\] \(n\)$/);
  assert.equal(key("n"), "", "declining the prayer");
  // Unknown names are reported by the prompt; ESC clears the line, a second ESC cancels.
  key("#");
  assert.equal(key("x"), "# x");
  assert.equal(key(13), "x: unknown extended command.");
  key("#");
  assert.equal(key("l"), "# loot");
  assert.equal(key(27), "# ");
  assert.equal(key(27), "");
  // Back at the command prompt: a move takes game time.
  const t0 = env.step(0).obs.blstats[BL.TIME];
  let moved = false;
  for (let a = 0; a < 8 && !moved; a++) moved = env.step(a).obs.blstats[BL.TIME] > t0;
  assert.ok(moved);
});

test("the step cap truncates; step after the end throws; bad input names the value", () => {
  const env = makeEnv({ maxEpisodeSteps: 7 });
  env.reset({ seed: 9 });
  let r;
  for (let k = 0; k < 7; k++) r = env.step(19); // wait
  assert.equal(r!.truncated, true);
  assert.equal(r!.terminated, false);
  assert.equal(r!.info.endReason, "max_steps");
  assert.throws(() => env.step(19), StateError);
  env.reset({ seed: 9 });
  assert.throws(
    () => env.step(23),
    (e: Error) =>
      e instanceof InvalidArgumentError && /action: 23/.test(e.message) && /\[0, 22\]/.test(e.message),
  );
  assert.throws(() => env.step(1.5), InvalidArgumentError);
  assert.throws(() => env.reset({ seed: -1 }), /seed: -1; expected a non-negative safe integer/);
  assert.throws(() => env.reset({ seed: 2 ** 60 }), InvalidArgumentError);
  assert.throws(() => makeEnv({ task: "win" as never }), /task: "win"; expected one of score/);
  assert.throws(() => makeEnv({ bogus: 1 } as never), /env option: "bogus"/);
  assert.throws(() => makeEnv({ character: "wiz-elf-law-xyz" }), /character gender: "xyz"/);
});

test("death ends the episode with terminated and a death cause", () => {
  // Waiting and searching forever makes the hero starve (or something kills him first).
  const env = makeEnv({ maxEpisodeSteps: 100000 });
  env.reset({ seed: 11 });
  const search = SCORE_ACTIONS.indexOf("s".charCodeAt(0));
  let r;
  for (let k = 0; k < 20000; k++) {
    r = env.step(search);
    if (r.terminated || r.truncated) break;
  }
  assert.equal(r!.terminated, true, "the episode should end by death");
  assert.equal(r!.truncated, false);
  assert.equal(r!.info.endReason, "death");
  assert.ok(r!.info.deathCause && r!.info.deathCause.length > 3, `death cause: ${r!.info.deathCause}`);
});

test("1,000 resets keep memory flat", () => {
  const env = makeEnv();
  for (let i = 0; i < 100; i++) env.reset({ seed: i });
  global.gc?.();
  const before = process.memoryUsage().rss;
  for (let i = 0; i < 1000; i++) {
    env.reset({ seed: i });
    env.step(1 + (i % 8));
  }
  global.gc?.();
  const after = process.memoryUsage().rss;
  const growthMb = (after - before) / 1e6;
  assert.ok(growthMb < 150, `RSS grew by ${growthMb.toFixed(0)} MB over 1,000 resets`);
});

test("recording an episode and replaying it reproduces every observation digest", async () => {
  const { EpisodeRecorder, replayRecording, ReplayMismatchError } =
    await import("../../src/env/recording.js");
  const env = makeEnv();
  const first = env.reset({ seed: 77 });
  const rec = new EpisodeRecorder(env, {}, 77, first.obs);
  let rs = 9;
  for (let k = 0; k < 200; k++) {
    rs = (Math.imul(rs, 1103515245) + 12345) & 0x7fffffff;
    const a = rs % 23;
    const r = env.step(a);
    rec.add(a, r.obs, r.reward);
    if (r.terminated || r.truncated) break;
  }
  const digests: string[] = [];
  replayRecording(makeEnv(), rec.rec, (_k, obs) => digests.push(digestObservation(obs)));
  assert.deepEqual(digests, rec.rec.digests);
  const tampered = { ...rec.rec, actions: rec.rec.actions.map((a, k) => (k === 5 ? (a % 8) + 1 : a)) };
  tampered.actions[5] = rec.rec.actions[5] === 19 ? 22 : 19;
  assert.throws(() => replayRecording(makeEnv(), tampered), ReplayMismatchError);
});
