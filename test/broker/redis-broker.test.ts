/**
 * The broker against a real redis-server: segments from two actors reach one learner through a consumer group,
 * each exactly once; an entry a dead consumer never acknowledged is taken over; weights and seed ranges; a
 * password-protected server refuses a client without it; a server restart is ridden out by reconnecting, with
 * nothing acknowledged redelivered and nothing lost.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  RedisBroker,
  decodeSegment,
  encodeSegment,
  parseBrokerUrl,
  type Segment,
} from "../../src/broker/index.js";
import { TestRedis, redisAvailable } from "./redis-server.js";

const skip = !redisAvailable() && "redis-server is not installed";

function seg(actor: string, i: number): Buffer {
  const s: Segment = {
    meta: {
      run: "r",
      configHash: "c",
      graphHash: "g",
      actor,
      version: i,
      seeds: [i],
      episodes: [],
      shape: {},
      t: 1,
      prior: null,
    },
    arrays: { x: new Float32Array([i, i + 0.5]) },
  };
  return encodeSegment(s);
}

describe("RedisBroker (real redis-server)", { skip }, () => {
  let server: TestRedis;
  before(async () => {
    server = await TestRedis.start();
  });
  after(async () => {
    await server?.stop();
  });

  const client = async (name: string) => {
    const b = new RedisBroker(parseBrokerUrl(server.url, {}), { name, maxBackoffMs: 200 });
    await b.connect();
    return b;
  };

  it("delivers every segment of two actors to the learner's group exactly once", async () => {
    const [a1, a2, learner] = await Promise.all([client("a1"), client("a2"), client("learner")]);
    try {
      await learner.ensureGroup("r", "learners");
      await learner.ensureGroup("r", "learners"); // idempotent
      const sent: string[] = [];
      for (let i = 0; i < 5; i++) {
        sent.push(await a1.publishSegment("r", seg("a1", i), 1000));
        sent.push(await a2.publishSegment("r", seg("a2", i), 1000));
      }
      const got: string[] = [];
      const actors: string[] = [];
      for (;;) {
        const batch = await learner.readSegments("r", "learners", "L1", 3, 50);
        if (batch.length === 0) break;
        for (const e of batch) {
          got.push(e.id);
          actors.push(decodeSegment(e.data).meta.actor);
        }
        await learner.ack(
          "r",
          "learners",
          batch.map((e) => e.id),
        );
      }
      assert.deepEqual([...got].sort(), [...sent].sort());
      assert.equal(actors.filter((a) => a === "a1").length, 5);
      assert.equal(await learner.pending("r", "learners"), 0);
    } finally {
      await Promise.all([a1.close(), a2.close(), learner.close()]);
    }
  });

  it("hands an unacknowledged entry of a dead consumer to another one", async () => {
    const [actor, dead, alive] = await Promise.all([client("a"), client("dead"), client("alive")]);
    try {
      await alive.ensureGroup("r2", "g");
      const id = await actor.publishSegment("r2", seg("a", 1), 1000);
      const taken = await dead.readSegments("r2", "g", "dead", 10, 50);
      assert.deepEqual(
        taken.map((e) => e.id),
        [id],
      );
      await dead.close(); // never acknowledges
      assert.equal((await alive.readSegments("r2", "g", "alive", 10, 20)).length, 0); // not redelivered by a plain read
      await new Promise((r) => setTimeout(r, 30));
      const claimed = await alive.claimStale("r2", "g", "alive", 20);
      assert.deepEqual(
        claimed.map((e) => e.id),
        [id],
      );
      assert.equal(decodeSegment(claimed[0].data).meta.version, 1);
      await alive.ack("r2", "g", [id]);
      assert.equal(await alive.pending("r2", "g"), 0);
    } finally {
      await Promise.all([actor.close(), alive.close()]);
    }
  });

  it("publishes weights with their version and hands out disjoint seed ranges", async () => {
    const [l, a, b] = await Promise.all([client("l"), client("a"), client("b")]);
    try {
      assert.equal(await a.fetchWeights("r3"), null);
      await l.publishWeights("r3", 7, Buffer.from([1, 2, 3]));
      assert.deepEqual(await a.fetchWeights("r3"), { version: 7, data: Buffer.from([1, 2, 3]) });
      const starts = await Promise.all([a, b, a, b].map((c) => c.allocateSeeds("r3", 100, 5000)));
      assert.deepEqual(
        [...starts].sort((x, y) => x - y),
        [5000, 5100, 5200, 5300],
      );
    } finally {
      await Promise.all([l.close(), a.close(), b.close()]);
    }
  });

  it("rides out a server restart: acknowledged entries stay acknowledged, the rest arrive", async () => {
    const [actor, learner] = await Promise.all([client("a"), client("l")]);
    try {
      await learner.ensureGroup("r4", "g");
      const first = await actor.publishSegment("r4", seg("a", 0), 1000);
      const got1 = await learner.readSegments("r4", "g", "L", 10, 50);
      assert.deepEqual(
        got1.map((e) => e.id),
        [first],
      );
      await learner.ack("r4", "g", [first]);
      await server.down();
      await server.up();
      // Both clients reconnect on their own; the actor's next entry and nothing else reaches the learner.
      const second = await actor.publishSegment("r4", seg("a", 1), 1000);
      const got2 = await learner.readSegments("r4", "g", "L", 10, 200);
      assert.deepEqual(
        got2.map((e) => e.id),
        [second],
      );
      assert.equal(await learner.pending("r4", "g"), 1);
    } finally {
      await Promise.all([actor.close(), learner.close()]);
    }
  });
});

describe("RedisBroker with a password (real redis-server)", { skip }, () => {
  it("connects with the password and is refused without it", async () => {
    const server = await TestRedis.start({ password: "s3cret" });
    try {
      const ok = new RedisBroker(parseBrokerUrl(server.url, {}));
      await ok.connect();
      assert.equal(await ok.redis.ping(), "PONG");
      await ok.close();
      const bad = new RedisBroker(parseBrokerUrl(`redis://127.0.0.1:${server.port}`, {}), {
        maxBackoffMs: 50,
      });
      try {
        await assert.rejects(async () => {
          await bad.connect();
          await bad.redis.ping();
        }, /NOAUTH|Authentication|Connection is closed/);
      } finally {
        bad.redis.disconnect(); // stops the reconnection attempts
      }
    } finally {
      await server.stop();
    }
  });
});
