/**
 * The weights wire format: weights, version and episode count survive a round trip bit for bit; a damaged value
 * (wrong magic, truncated, bad header, trailing bytes) is refused with a SegmentError, never half-decoded.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SegmentError, decodeWeights, encodeWeights } from "../../src/broker/index.js";
import { Rng } from "../../src/util/index.js";

function weights() {
  const rng = new Rng(3);
  const w = new Map<string, { shape: number[]; values: Float32Array }>();
  for (const [name, shape] of [
    ["a/kernel", [3, 5]],
    ["a/bias", [5]],
    ["empty", [0]],
  ] as const)
    w.set(name, {
      shape: [...shape],
      values: Float32Array.from({ length: shape.reduce((x, y) => x * y, 1) }, () => rng.normal()),
    });
  return w;
}

describe("weights wire format", () => {
  it("round-trips weights, version and episode count bit for bit", () => {
    const w = weights();
    const d = decodeWeights(encodeWeights({ version: 7, episode: 1234, weights: w }));
    assert.equal(d.version, 7);
    assert.equal(d.episode, 1234);
    assert.deepEqual([...d.weights.keys()], [...w.keys()]);
    for (const [k, v] of w) {
      assert.deepEqual(d.weights.get(k)!.shape, v.shape);
      assert.deepEqual(d.weights.get(k)!.values, v.values);
    }
  });

  it("refuses damaged values", () => {
    const buf = encodeWeights({ version: 1, episode: 0, weights: weights() });
    assert.throws(() => decodeWeights(Buffer.from("NOTWEIGHTS..")), SegmentError);
    assert.throws(() => decodeWeights(buf.subarray(0, buf.length - 4)), /run past the end/);
    assert.throws(() => decodeWeights(Buffer.concat([buf, Buffer.alloc(4)])), /unexpected bytes/);
    const bad = Buffer.from(buf);
    bad.write("{", 12, "latin1");
    bad.write("!", 13, "latin1");
    assert.throws(() => decodeWeights(bad), /not valid JSON/);
  });
});
