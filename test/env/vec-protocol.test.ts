import { test } from "node:test";
import assert from "node:assert/strict";
import { Worker } from "node:worker_threads";
import { SpinBudget, waitForChange } from "../../src/env/vec-protocol.js";
import { makeVecEnv, digestObservation, obsAt } from "../../src/env/index.js";

/** Starts a thread that stores `value` into a[0] after `delayMs`. */
function storeLater(a: Int32Array, value: number, delayMs: number): Worker {
  return new Worker(
    `const { workerData: { buf, value, delayMs } } = require("node:worker_threads");
     const a = new Int32Array(buf);
     Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, delayMs);
     Atomics.store(a, 0, value);
     Atomics.notify(a, 0);`,
    { eval: true, workerData: { buf: a.buffer, value, delayMs } },
  );
}

test("waitForChange returns at once when the value already differs", () => {
  const a = new Int32Array(new SharedArrayBuffer(4));
  a[0] = 3;
  const t = performance.now();
  assert.equal(waitForChange(a, 0, 2, 1000, 10), true);
  assert.ok(performance.now() - t < 5);
});

test("waitForChange gives up after the timeout, spinning first and then sleeping", () => {
  const a = new Int32Array(new SharedArrayBuffer(4));
  const t = performance.now();
  assert.equal(waitForChange(a, 0, 0, 2000, 30), false);
  const ms = performance.now() - t;
  assert.ok(ms >= 29 && ms < 1000, `waited ${ms} ms`);
});

for (const spin of [0, 200_000]) {
  test(`waitForChange sees a store from another thread (spin budget ${spin} µs)`, async () => {
    const a = new Int32Array(new SharedArrayBuffer(4));
    const w = storeLater(a, 7, 20);
    try {
      assert.equal(waitForChange(a, 0, 0, spin, 10_000), true);
      assert.equal(Atomics.load(a, 0), 7);
    } finally {
      await w.terminate();
    }
  });
}

test("SpinBudget polls fully while waits stay short and briefly after a long one", () => {
  const b = new SpinBudget(800);
  assert.equal(b.next(), 800);
  b.record(120);
  assert.equal(b.next(), 800);
  b.record(5000); // the trainer spent 5 ms in its policy: do not burn a core next time
  assert.equal(b.next(), 100);
  b.record(90); // commands come quickly again
  assert.equal(b.next(), 800);
});

test("VecEnv rejects a bad spinMicros and plays identically with and without polling", () => {
  assert.throws(() => makeVecEnv({ numEnvs: 1, spinMicros: -1 }), /spinMicros: -1; expected a number/);
  const run = (spinMicros: number): string[] => {
    const vec = makeVecEnv({ numEnvs: 2, workers: 2, seedStart: 77, spinMicros, maxEpisodeSteps: 40 });
    try {
      vec.reset();
      const out: string[] = [];
      for (let k = 0; k < 60; k++) {
        const r = vec.step(new Int32Array([k % 23, (k * 7) % 23]));
        out.push(digestObservation(obsAt(r.obs, 0)) + digestObservation(obsAt(r.obs, 1)));
      }
      return out;
    } finally {
      vec.close();
    }
  };
  assert.deepEqual(run(0), run(1000));
});
