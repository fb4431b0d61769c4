/**
 * `tedg bench broker` against a real redis-server (its own throwaway one): one actor process publishes for about
 * a second and every segment it counts is decoded and acknowledged by the learner, with sizes that agree; bad
 * options are refused, naming the value, before anything starts. On CI (CI set) a missing redis-server fails
 * these tests instead of skipping them.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import {
  benchBroker,
  decodeSegment,
  encodeSegment,
  parseActorCounts,
  readUpdateRecords,
  redisServerVersion,
  resolveEndToEndOptions,
  resolveBenchOptions,
  buildBenchSegment,
} from "../../src/broker/index.js";
import { InvalidArgumentError, projectRoot } from "../../src/util/index.js";
import { TINY_MODEL } from "../train/helpers.js";

const haveRedis = redisServerVersion() !== null;
const skip = !haveRedis && !process.env.CI && "redis-server is not installed";

describe("tedg bench broker", () => {
  it("redis-server is installed on CI", { skip: !process.env.CI && "not on CI" }, () => {
    assert.ok(haveRedis, "redis-server is not installed (.ci/run installs it)");
  });

  it(
    "accounts for every segment: published = decoded = acknowledged, sizes consistent",
    { skip },
    async () => {
      const lines: string[] = [];
      const r = await benchBroker({
        actors: [1],
        seconds: 1,
        segmentEnvs: 4,
        segmentSteps: 32,
        maxLen: 8,
        log: (l) => lines.push(l),
      });
      assert.equal(r.runs.length, 1);
      const k = r.runs[0];
      const per = r.segment.transitions;
      assert.equal(per, 128);
      assert.equal(k.actors, 1);
      assert.ok(k.segments > 0, "some segments arrived");
      assert.equal(k.published, k.segments);
      assert.equal(k.decoded, k.segments);
      assert.equal(k.acknowledged, k.segments);
      assert.equal(k.transitions, k.segments * per);
      // Each actor re-encodes the segment under its own name: only the header's length may differ.
      assert.ok(Math.abs(k.segment_bytes - r.segment.bytes) < 64, `${k.segment_bytes} vs ${r.segment.bytes}`);
      assert.ok(Math.abs(k.bytes_per_transition - k.segment_bytes / per) < 0.1);
      const mbps = (k.segments * k.segment_bytes) / 1e6 / k.seconds;
      assert.ok(Math.abs(k.mb_per_sec - mbps) <= 0.1 + 0.01 * mbps, `${k.mb_per_sec} vs ${mbps}`);
      assert.ok(
        Math.abs(k.transitions_per_sec - k.transitions / k.seconds) <= 1 + 0.01 * k.transitions_per_sec,
      );
      assert.ok(k.seconds >= 0.9 && k.seconds < 30, `window ${k.seconds} s`);
      assert.ok(k.learner_cpu_ms_per_segment > 0 && k.transitions_per_learner_cpu_sec > 0);
      assert.equal(r.end_to_end, null);
      assert.match(r.machine.redis, /^\d+\.\d+/);
      assert.ok(r.machine.cores >= 1);
      assert.ok(
        lines.some((l) => /1 actor: \d+ transitions\/s/.test(l)),
        lines.join("\n"),
      );
    },
  );

  it(
    "end to end: the pipelined trainer and tedg train --broker with 2 tedg actor processes each train N updates",
    { skip, timeout: 240_000 },
    async () => {
      const dir = mkdtempSync(join(tmpdir(), "tedg-bench-e2e-test-"));
      try {
        // A tiny config: 2 envs, 16-step rollouts, a small model — only the structure is checked, not speed.
        const config = join(dir, "tiny.json");
        writeFileSync(
          config,
          JSON.stringify({
            maxSteps: 24,
            rolloutSteps: 16,
            ppo: { minibatchSize: 16, epochs: 1 },
            model: TINY_MODEL,
          }),
        );
        const lines: string[] = [];
        const r = await benchBroker({
          ingest: false,
          segmentEnvs: 2,
          segmentSteps: 16,
          endToEnd: {
            updates: 2,
            warmup: 1,
            envs: 2,
            actors: 2,
            rounds: 1,
            config,
            extraArgs: ["--preset", "demo"],
            outDir: join(dir, "runs"),
          },
          log: (l) => lines.push(l),
        });
        assert.deepEqual(r.runs, [], "no ingest runs with ingest: false");
        const e = r.end_to_end!;
        assert.ok(e, "end_to_end is filled");
        assert.equal(e.envs, 2);
        assert.equal(e.actors, 2);
        assert.equal(e.envs_per_actor, 1);
        assert.deepEqual(
          e.runs.map((x) => x.setup),
          ["pipelined", "broker"],
        );
        for (const x of e.runs) {
          assert.equal(x.updates_recorded, 3, `${x.setup}: warm-up 1 + 2 updates`);
          assert.equal(x.transitions, 2 * 2 * 16, `${x.setup}: 2 updates × 2 envs × 16 steps`);
          assert.ok(x.seconds > 0 && x.steps_per_sec > 0);
          assert.ok(Math.abs(x.steps_per_sec - x.transitions / x.seconds) < 0.1 + 0.001 * x.steps_per_sec);
          assert.ok(x.cpu_utilisation === null || (x.cpu_utilisation >= 0 && x.cpu_utilisation <= 1.05));
          assert.ok(Number.isInteger(x.segments_dropped_lag) && x.segments_dropped_lag >= 0);
        }
        assert.ok(Math.abs(e.ratio - e.broker_steps_per_sec / e.pipelined_steps_per_sec) < 1e-3);
        assert.ok(Math.abs(e.overhead - (1 - e.ratio)) < 1e-3);
        // The broker run really trained: its learner's update records 0, 1, 2, each on segments of the actors
        // whose envs add up to the config's 2, and its run is the broker's (segment counts in the records).
        const recs = readUpdateRecords(join(dir, "runs", "e2e-broker-0", "metrics.jsonl"));
        assert.deepEqual(
          recs.map((x) => x.update),
          [0, 1, 2],
        );
        for (const x of recs) {
          assert.equal(x.segments, 2, "two 1-env segments per 2-env update");
          assert.equal((x.segment_ids as string[]).length, 2);
        }
        assert.equal(recs[2].env_steps, 3 * 2 * 16);
        assert.equal(
          new Set(recs.flatMap((x) => (x.segment_ids as string[]).map((id) => id.split("#")[0]))).size,
          2,
          "both actors' segments were trained on",
        );
        const pipe = readUpdateRecords(join(dir, "runs", "e2e-pipelined-0", "metrics.jsonl"));
        assert.deepEqual(
          pipe.map((x) => x.update),
          [0, 1, 2],
        );
        assert.ok(
          lines.some((l) => /end to end: pipelined \d+ env steps\/s, broker \d+/.test(l)),
          lines.join("\n"),
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  it("builds a segment of the requested shape that survives the codec", () => {
    const s = buildBenchSegment({ envs: 3, steps: 5 });
    const back = decodeSegment(encodeSegment(s));
    assert.equal(back.meta.t, 5);
    assert.equal(back.arrays.actions.length, 15);
    assert.equal(back.arrays.crop.length, 15 * (s.meta.shape.crop as number));
    assert.deepEqual(Array.from(back.arrays.logProb), Array.from(s.arrays.logProb));
    // The behaviour log-prob is the masked random agent's: −log(number of allowed actions).
    const A = s.meta.shape.actionMask as number;
    let allowed = 0;
    for (let a = 0; a < A; a++) allowed += s.arrays.actionMask[a];
    assert.ok(Math.abs(s.arrays.logProb[0] + Math.log(allowed)) < 1e-6);
  });

  it("refuses bad options, naming the value", async () => {
    const bad = (o: Parameters<typeof resolveBenchOptions>[0], re: RegExp) =>
      assert.throws(
        () => resolveBenchOptions(o),
        (e: unknown) => e instanceof InvalidArgumentError && re.test((e as Error).message),
      );
    bad({ actors: [0] }, /--actors: 0/);
    bad({ actors: [] }, /--actors/);
    bad({ seconds: -1 }, /--seconds: -1/);
    bad({ segmentEnvs: 1.5 }, /--segment-envs: 1\.5/);
    bad({ segmentSteps: 0 }, /--segment-steps: 0/);
    bad({ actors: [4], maxLen: 4 }, /--max-len: 4; expected more entries than the largest actor count \(4\)/);
    assert.deepEqual(parseActorCounts("1,2, 4"), [1, 2, 4]);
    for (const v of ["", "0", "1,,2", "two", "1.5", "65"])
      assert.throws(() => parseActorCounts(v), new RegExp(`invalid --actors: ${JSON.stringify(v)}`), v);
    await assert.rejects(benchBroker({ actors: [1], seconds: 0 }), /--seconds: 0/);
    const badE2e = (o: Parameters<typeof resolveEndToEndOptions>[0], re: RegExp) =>
      assert.throws(
        () => resolveEndToEndOptions(o),
        (e: unknown) => e instanceof InvalidArgumentError && re.test((e as Error).message),
      );
    badE2e({ updates: 0 }, /--updates: 0/);
    badE2e({ updates: 2, warmup: 0 }, /--warmup: 0/);
    badE2e({ updates: 2, envs: 16, actors: 3 }, /--e2e-actors: 3; expected a divisor of --e2e-envs \(16\)/);
    badE2e({ updates: 2, config: "/nonexistent.json" }, /--e2e-config: "\/nonexistent.json"/);
    badE2e({ updates: 2, rounds: 0 }, /--rounds: 0/);
    bad({ ingest: false }, /--no-ingest/);
    bad({ endToEnd: { updates: 2, envs: 4, actors: 3 } }, /--e2e-actors: 3/);
    for (const args of [["--warmup", "2"], ["--e2e-actors", "2"], ["--no-ingest"]]) {
      const r = spawnSync(
        process.execPath,
        [join(projectRoot(), "bin", "tedg.js"), "bench", "broker", ...args],
        {
          encoding: "utf8",
          timeout: 60_000,
        },
      );
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, new RegExp(`${args[0]} only applies with --updates N`));
    }
    const cli = spawnSync(
      process.execPath,
      [join(projectRoot(), "bin", "tedg.js"), "bench", "broker", "--actors", "1,x"],
      {
        encoding: "utf8",
        timeout: 60_000,
      },
    );
    assert.equal(cli.status, 2, cli.stderr);
    assert.match(cli.stderr, /invalid --actors: "1,x"; expected an actor count in \[1, 64\]/);
  });
});
