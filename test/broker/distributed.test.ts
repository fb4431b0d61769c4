/**
 * Training across processes through a real redis-server: a learner (`tedg train --broker`) and actor processes
 * (`tedg actor`), all spawned from bin/tedg.js, for more than five updates, through the faults the design must
 * survive:
 *   - bad entries (another run, a mismatched config hash, a mismatched graph hash, corrupt bytes, an entry above
 *     --max-segment-mb, a shape the learner cannot train on, an exact copy of a consumed entry) are each
 *     rejected, counted and logged, and the learner goes on; a real segment of policy version 0 replayed after
 *     five updates is dropped as older than --max-policy-lag (4);
 *   - an actor killed with SIGKILL: the learner goes on with the other, and a new actor joins;
 *   - Redis stopped and restarted (append-only file): learner and actors reconnect and go on;
 *   - the learner killed with SIGKILL and resumed with --resume: it continues from its checkpoint.
 * At the end every stream entry is accounted for: consumed + dropped for lag + rejected (the last checkpoint's
 * counts) + still pending + never delivered = the entries ever added to the stream (XINFO STREAM
 * entries-added); the stream itself holds only the pending and undelivered ones (the learner deleted every
 * entry it acknowledged); no segment was trained on twice and no game seed played twice.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  RedisBroker,
  decodeSegment,
  encodeSegment,
  parseBrokerUrl,
  TedgProcess,
  readUpdateRecords,
  type SegmentMeta,
} from "../../src/broker/index.js";
import { loadCheckpoint, resolveCheckpoint } from "../../src/run/index.js";
import { LEARNER_GROUP, REJECT_REASONS, type RunInfo, type SegmentCounts } from "../../src/train/index.js";
import { trainingSeedRange } from "../../src/eval/index.js";
import { projectRoot } from "../../src/util/index.js";
import { TestRedis, redisAvailable } from "./redis-server.js";
import { TINY_MODEL } from "../train/helpers.js";

const skip = !redisAvailable() && "redis-server is not installed";
const RUN = "dist";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("distributed training (learner + actor processes, real redis-server)", { skip }, () => {
  let redis: TestRedis;
  let dir: string;
  let client: RedisBroker;
  const procs: TedgProcess[] = [];
  const start = (name: string, args: string[]) => {
    const p = new TedgProcess(name, args);
    procs.push(p);
    return p;
  };
  const logs = () => procs.map((p) => `--- ${p.name} (pid ${p.pid}) ---\n${p.out.slice(-3000)}`).join("\n");
  const runDir = () => join(dir, "runs", RUN);
  const updateRecords = () => readUpdateRecords(join(runDir(), "metrics.jsonl"));
  const waitFor = async (what: string, cond: () => boolean | Promise<boolean>, ms = 40_000) => {
    const t0 = Date.now();
    while (!(await cond())) {
      if (Date.now() - t0 > ms) assert.fail(`timed out after ${ms} ms waiting for ${what}\n${logs()}`);
      await sleep(100);
    }
  };
  const actorArgs = () => ["actor", "--broker", redis.url, "--run", RUN, "--envs", "1", "--workers", "1"];

  before(async () => {
    redis = await TestRedis.start();
    dir = mkdtempSync(join(tmpdir(), "tedg-dist-"));
    client = new RedisBroker(parseBrokerUrl(redis.url), { name: "test" });
    await client.connect();
    // Few envs, short rollouts and episodes, a tiny model: updates take a fraction of a second.
    writeFileSync(
      join(dir, "tiny.json"),
      JSON.stringify({
        episodes: 100000,
        maxSteps: 24,
        envs: 2,
        rolloutSteps: 16,
        checkpointEvery: 100000,
        ppo: { minibatchSize: 16, epochs: 1 },
        model: TINY_MODEL,
      }),
    );
  });

  after(async () => {
    for (const p of procs) await p.stop("SIGKILL");
    await client?.close();
    await redis?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it(
    "survives bad entries, a killed actor, a Redis restart and a killed learner, and accounts for every segment",
    { timeout: 150_000 },
    async (t) => {
      const learnerArgs = ["train", "--broker", redis.url, "--no-progress", "--max-segment-mb", "1"];
      const learner1 = start("learner", [
        ...learnerArgs,
        ...[
          "--preset",
          "demo",
          "--config",
          join(dir, "tiny.json"),
          "--exp-name",
          RUN,
          "--out",
          join(dir, "runs"),
        ],
      ]);
      await waitFor("the run info", async () => (await client.getRunInfo(RUN)) !== null);
      const info = (await client.getRunInfo(RUN)) as RunInfo;

      // Bad entries, before any actor: each must be rejected with its reason.
      const valid: SegmentMeta = {
        run: RUN,
        configHash: info.configHash,
        graphHash: info.graphHash,
        actor: "intruder",
        version: 0,
        seeds: [],
        episodes: [],
        shape: {},
        t: 16,
        prior: null,
        seq: 0,
      };
      const bad = (meta: Partial<SegmentMeta>) =>
        encodeSegment({ meta: { ...valid, ...meta }, arrays: { x: new Float32Array(4) } });
      await client.publishSegment(RUN, bad({ run: "another-run" }), 1000);
      await client.publishSegment(RUN, bad({ configHash: "0".repeat(64) }), 1000);
      await client.publishSegment(RUN, bad({ graphHash: "f".repeat(64) }), 1000);
      const corrupt = Buffer.from(bad({}));
      corrupt.write("{{{{", 12, "latin1"); // the header is no longer JSON
      await client.publishSegment(RUN, corrupt, 1000);
      await client.publishSegment(RUN, Buffer.alloc(1.5 * 2 ** 20, 7), 1000);

      const stream = async () =>
        ((await client.redis.xrangeBuffer(`tedg:${RUN}:segments`, "-", "+")) as [Buffer, Buffer[]][]).map(
          ([, f]) => f[1],
        );
      // The learner deletes entries once acknowledged: real segments seen in the stream meanwhile are kept
      // here (by actor#seq) for the replays below.
      const seenEntries = new Map<string, Buffer>();
      const capture = async () => {
        for (const d of await stream())
          try {
            const m = decodeSegment(d).meta;
            if (m.actor !== "intruder") seenEntries.set(`${m.actor}#${m.seq}`, d);
          } catch {
            // the malformed entries
          }
      };
      const a = start("actor A", actorArgs());
      const b = start("actor B", actorArgs());
      const byActor = (pid: number, from = 0) =>
        updateRecords()
          .slice(from)
          .some((r) => (r.segment_ids as string[]).some((id) => id.includes(`/${pid}@`)));
      await waitFor("2 updates with A's and B's segments", async () => {
        await capture();
        return updateRecords().length >= 2 && byActor(a.pid) && byActor(b.pid);
      });
      for (const reason of ["run", "config_hash", "graph_hash", "corrupt", "oversized"])
        assert.match(
          learner1.out,
          new RegExp(`rejected \\(${reason}\\)`),
          `a log line for the ${reason} rejection`,
        );

      // An actor dies with SIGKILL; the learner goes on with B, and a new actor C joins.
      await a.stop("SIGKILL");
      const c = start("actor C", actorArgs());
      await waitFor("actor C's segments in an update", () => byActor(c.pid));
      assert.equal(learner1.proc.exitCode, null, `the learner runs on\n${logs()}`);

      // Redis stops and comes back (append-only file): everyone reconnects, and segments B and C publish after
      // the restart (sequence numbers above the last ones in the stream before it) are trained on.
      // An actor's last sequence number before the restart: its entries still in the stream, and — read after
      // the stream, since the learner deletes an entry only after the update record naming it — those trained
      // on (an entry dropped or rejected before the restart cannot be trained on after it).
      const lastSeqOf = async (pid: number) => {
        let last = -1;
        for (const d of await stream()) {
          let m: SegmentMeta;
          try {
            m = decodeSegment(d).meta;
          } catch {
            continue; // the malformed entries
          }
          if (m.actor.includes(`/${pid}@`)) last = Math.max(last, m.seq!);
        }
        for (const r of updateRecords())
          for (const id of r.segment_ids as string[])
            if (id.includes(`/${pid}@`)) last = Math.max(last, Number(id.split("#")[1]));
        return last;
      };
      await redis.down();
      await sleep(1000);
      await redis.up();
      // Everything published before the stop is back (append-only file): a higher number was published after.
      const before = { b: await lastSeqOf(b.pid), c: await lastSeqOf(c.pid) };
      assert.ok(before.b >= 0 && before.c >= 0, `B and C had published before the restart\n${logs()}`);
      const usedAfter = (pid: number, seq: number) =>
        updateRecords().some((r) =>
          (r.segment_ids as string[]).some((id) => id.includes(`/${pid}@`) && Number(id.split("#")[1]) > seq),
        );
      await waitFor(
        "segments B and C published after the restart, trained on",
        () => usedAfter(b.pid, before.b) && usedAfter(c.pid, before.c),
      );
      for (const p of [learner1, b, c]) assert.match(p.out, /reconnected/, `${p.name} reconnected`);

      // The learner dies with SIGKILL and is resumed from its run folder.
      await waitFor("5 updates", async () => {
        await capture();
        return updateRecords().length >= 5;
      });

      // Entries that look right but must not be trained on: a real segment replayed under another actor's name
      // with policy version 0 (too old: dropped), the same with a shape the learner cannot use, and an exact
      // copy of an entry already consumed (a duplicate).
      const usedSoFar = new Set(updateRecords().flatMap((r) => r.segment_ids as string[]));
      const original = [...seenEntries].find(([key]) => usedSoFar.has(key))?.[1];
      assert.ok(original, `a consumed segment was seen in the stream before its deletion\n${logs()}`);
      const real = decodeSegment(original);
      const replay = (meta: Partial<SegmentMeta>) =>
        encodeSegment({ meta: { ...real.meta, actor: "replayer", ...meta }, arrays: real.arrays });
      await client.publishSegment(RUN, replay({ seq: 0, version: 0 }), 1000);
      await client.publishSegment(
        RUN,
        replay({ seq: 1, shape: { ...real.meta.shape, crop: (real.meta.shape.crop as number) + 1 } }),
        1000,
      );
      await client.publishSegment(RUN, original, 1000);
      await waitFor(
        "the replayed entries handled",
        () =>
          /dropped, policy lag/.test(learner1.out) &&
          /rejected \(shape\)/.test(learner1.out) &&
          /rejected \(duplicate\)/.test(learner1.out),
      );
      await learner1.stop("SIGKILL");
      const done = Number(loadCheckpoint(resolveCheckpoint(runDir()).checkpoint).state.counters.update);
      const learner2 = start("learner (resumed)", [
        ...learnerArgs,
        ...["--resume", runDir(), "--max-updates", String(done + 2)],
      ]);
      let timer: NodeJS.Timeout | undefined;
      const code = await Promise.race([
        learner2.exited,
        new Promise((r) => (timer = setTimeout(() => r("timeout"), 60_000))),
      ]);
      clearTimeout(timer);
      assert.equal(code, 0, `the resumed learner finished its updates\n${logs()}`);
      assert.match(learner2.out, /Resuming/);
      for (const p of [b, c]) assert.equal(await p.stop("SIGTERM"), 0, `${p.name} stops cleanly\n${logs()}`);

      // Accounting: the last checkpoint's counts plus what is still in the group = every entry ever added.
      const ck = loadCheckpoint(resolveCheckpoint(runDir()).checkpoint).state;
      assert.equal(ck.counters.update, done + 2);
      const counts = (ck.extra as { broker: { counts: SegmentCounts } }).broker.counts;
      const rejected = REJECT_REASONS.reduce((s, r) => s + counts.rejected[r], 0);
      const published = await client.entriesAdded(RUN);
      assert.notEqual(published, null, "redis-server ≥ 7 reports entries-added");
      const pending = await client.pending(RUN, LEARNER_GROUP);
      const undelivered = await client.groupLag(RUN, LEARNER_GROUP);
      assert.notEqual(undelivered, null, "the group's lag stays known although entries were deleted");
      assert.equal(
        counts.consumed + counts.dropped_lag + rejected + pending + undelivered!,
        published,
        `consumed ${counts.consumed} + dropped ${counts.dropped_lag} + rejected ${rejected} + pending ${pending} + ` +
          `undelivered ${undelivered} = published ${published}`,
      );
      for (const r of ["run", "config_hash", "graph_hash", "corrupt", "oversized"] as const)
        assert.equal(counts.rejected[r], 1, `one entry rejected for ${r}`);
      assert.equal(counts.rejected.shape, 1, "one entry rejected for its shape");
      assert.ok(counts.dropped_lag >= 1, "the replayed version-0 segment was dropped as too old");
      assert.ok(counts.rejected.duplicate >= 1, "the copied entry was rejected as a duplicate");

      // Redis's memory: the acknowledged entries were deleted, so the stream holds exactly the entries still
      // pending or never delivered (without the deletion it would hold every entry published), and those are
      // bounded by the backpressure: two updates' worth (4 1-env entries) waiting plus one in flight per live
      // actor (2), and what the learner had read but not checkpointed (an update's 2 entries, or what was
      // pending at the resume) — 16 leaves a margin (typically 5 are left).
      const left = await client.streamLength(RUN);
      assert.equal(left, pending + undelivered!, "every acknowledged entry was deleted from the stream");
      assert.ok(left <= 16, `${left} entries left in the stream (of ${published} published)`);
      t.diagnostic(
        `published ${published}: consumed ${counts.consumed}, dropped ${counts.dropped_lag}, rejected ${rejected} ` +
          `(duplicates ${counts.rejected.duplicate}), pending ${pending}, undelivered ${undelivered}; ` +
          `${left} entries left in the stream`,
      );

      // Nothing trained twice: the consumed segments of the kept update records are distinct, and as many as
      // the checkpoint counts; every update is there once, in order.
      const records = updateRecords();
      assert.deepEqual(
        records.map((r) => r.update),
        Array.from({ length: done + 2 }, (_, i) => i),
      );
      // Routing statistics of the merged rollout, as in-process runs record them: dominant shares partition the
      // steps, per-step entropy lies in [0, ln K].
      for (const r of records) {
        const shares = Object.values(r.expert_dominant_share as Record<string, number>);
        assert.equal(shares.length, 4);
        assert.ok(
          Math.abs(shares.reduce((a, b) => a + b, 0) - 1) < 1e-6,
          `update ${String(r.update)}: shares`,
        );
        const h = r.alpha_entropy_step as number;
        assert.ok(h >= 0 && h <= Math.log(4) + 1e-6, `update ${String(r.update)}: entropy ${h}`);
      }
      const used = records.flatMap((r) => r.segment_ids as string[]);
      assert.equal(new Set(used).size, used.length, "no segment trained on twice");
      assert.equal(used.length, counts.consumed);
      // Only true repeats are rejected as duplicates: every one names an actor#seq handled before it, trained
      // on or dropped for lag (the learners' logs name both).
      const allLogs = procs
        .filter((p) => p.name.startsWith("learner"))
        .map((p) => p.out)
        .join("\n");
      const droppedKeys = [...allLogs.matchAll(/ of (\S+#\d+): dropped, policy lag/g)].map((m) => m[1]);
      const dupKeys = [...allLogs.matchAll(/actor (\S+)'s segment (\d+) was handled before/g)].map(
        (m) => `${m[1]}#${m[2]}`,
      );
      assert.ok(dupKeys.length >= 1);
      const handledKeys = new Set([...used, ...droppedKeys]);
      for (const k of dupKeys) assert.ok(handledKeys.has(k), `duplicate ${k} was handled before`);
      assert.ok(
        new Set(used.map((u) => u.split("#")[0])).size >= 3,
        "segments of actors A, B and C were used",
      );
      const seeds = readFileSync(join(runDir(), "metrics.jsonl"), "utf8")
        .split("\n")
        .filter((l) => l.includes('"type":"episode"'))
        .map((l) => JSON.parse(l).seed as number);
      assert.ok(seeds.length > 0);
      assert.equal(new Set(seeds).size, seeds.length, "no game seed played twice");
      assert.ok(
        seeds.every((s) => s < 1_000_000),
        "training seeds stay below the held-out evaluation seeds",
      );
      // tedg eval keeps held-out seeds out of every seed block the actors had taken at the checkpoint.
      const seedsEnd = (ck.extra as { broker: { seedsEnd: number } }).broker.seedsEnd;
      assert.ok(seeds.every((s) => s < seedsEnd));
      assert.ok(seedsEnd <= (await client.seedsAllocated(RUN)));
      assert.ok(trainingSeedRange(ck, null)[1] >= seedsEnd);
    },
  );
});

describe("broker commands and a password-protected redis-server", { skip }, () => {
  it("an actor without the password, or with a wrong one, stops with an error naming the refusal", async () => {
    const server = await TestRedis.start({ password: "s3cret" });
    try {
      for (const url of [`redis://127.0.0.1:${server.port}`, `redis://:wrong@127.0.0.1:${server.port}`]) {
        const r = spawnSync(
          process.execPath,
          [join(projectRoot(), "bin", "tedg.js"), "actor", "--broker", url, "--run", RUN],
          { encoding: "utf8", timeout: 30_000, env: { ...process.env, REDIS_PASSWORD: "" } },
        );
        assert.equal(r.status, 2, r.stdout + r.stderr);
        assert.match(r.stderr, /refused the credentials: (NOAUTH|WRONGPASS)/);
      }
    } finally {
      await server.stop();
    }
  });
});
