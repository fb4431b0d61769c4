/**
 * `tedg bench broker` against a real redis-server (its own throwaway one): one actor process publishes for about
 * a second and every segment it counts is decoded and acknowledged by the learner, with sizes that agree; bad
 * options are refused, naming the value, before anything starts. On CI (CI set) a missing redis-server fails
 * these tests instead of skipping them.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, it } from "node:test";
import {
  benchBroker,
  decodeSegment,
  encodeSegment,
  parseActorCounts,
  redisServerVersion,
  resolveBenchOptions,
  buildBenchSegment,
} from "../../src/broker/index.js";
import { InvalidArgumentError, projectRoot } from "../../src/util/index.js";

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
