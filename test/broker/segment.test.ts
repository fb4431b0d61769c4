/**
 * The segment format: a real rollout buffer's arrays and the metadata survive a round trip bit for bit; damaged
 * or hostile entries (wrong magic, truncated, bad header, bad array entry, trailing bytes) are rejected with a
 * SegmentError, never half-decoded.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SegmentError, decodeSegment, encodeSegment, type Segment } from "../../src/broker/index.js";
import { RolloutBuffer } from "../../src/train/index.js";
import { Rng } from "../../src/util/index.js";

function segment(): Segment {
  const buf = new RolloutBuffer({
    steps: 4,
    envs: 3,
    blstats: 27,
    crop: 9,
    inv: 18,
    masks: 11,
    actionMask: 5,
    numExperts: 4,
    opinion: true,
  });
  const rng = new Rng(9);
  const data = buf.data();
  for (const a of Object.values(data.arrays))
    for (let i = 0; i < a.length; i++)
      a[i] = a instanceof Float32Array ? rng.normal() : Math.floor(rng.next() * 200);
  return {
    meta: {
      run: "r1",
      configHash: "c0ffee",
      graphHash: "9a9a",
      actor: "host-1/4711",
      version: 17,
      seeds: [1000, 1001, 1002],
      episodes: [{ seed: 1000, score: 12, length: 3 }],
      shape: { ...data.shape },
      t: 4,
      prior: [0.4, 0.1, 0.4, 0.1],
    },
    arrays: { ...data.arrays, advantages: new Float32Array([1.5, -2, 0.25]) },
  };
}

describe("segment", () => {
  it("round-trips arrays and metadata exactly", () => {
    const s = segment();
    const back = decodeSegment(encodeSegment(s));
    assert.deepEqual(back.meta, s.meta);
    assert.deepEqual(Object.keys(back.arrays), Object.keys(s.arrays));
    for (const [k, a] of Object.entries(s.arrays)) {
      assert.equal(back.arrays[k].constructor, a.constructor, k);
      assert.deepEqual(Array.from(back.arrays[k]), Array.from(a), k);
    }
    // Decoding from an odd offset inside a larger buffer (as a network read may hand it over) works too.
    const enc = encodeSegment(s);
    const shifted = Buffer.concat([Buffer.alloc(3), enc]).subarray(3);
    assert.deepEqual(Array.from(decodeSegment(shifted).arrays.advantages), [1.5, -2, 0.25]);
  });

  it("rejects damaged entries with a SegmentError naming the problem", () => {
    const enc = encodeSegment(segment());
    const cases: [string, Buffer, RegExp][] = [
      ["empty", Buffer.alloc(0), /magic/],
      ["wrong magic", Buffer.concat([Buffer.from("XXXXXXXX"), enc.subarray(8)]), /magic/],
      ["truncated", enc.subarray(0, enc.length - 10), /runs past the end/],
      ["trailing bytes", Buffer.concat([enc, Buffer.alloc(8)]), /unexpected bytes/],
    ];
    const badHeader = Buffer.from(enc);
    badHeader.write("{", 12, "utf8");
    badHeader.write("!", 13, "utf8");
    cases.push(["bad header", badHeader, /not valid JSON/]);
    const huge = Buffer.from(enc);
    huge.writeUInt32LE(0xffffffff, 8);
    cases.push(["huge header length", huge, /header length/]);
    for (const [what, buf, re] of cases) {
      assert.throws(
        () => decodeSegment(buf),
        (e: unknown) => e instanceof SegmentError && re.test((e as Error).message),
        what,
      );
    }
    const s = segment();
    (s.meta as unknown as Record<string, unknown>).version = -1;
    assert.throws(() => decodeSegment(encodeSegment(s)), /version/);
  });
});
