import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { allocObservation } from "../../src/env/observation.js";
import { BL } from "../../src/env/blstats.js";
import { CROP_PAD, encodeObservations, glyphClass, NUM_OCLASSES } from "../../src/model/features.js";
import * as G from "../../src/nethack/glyphs.js";

describe("features", () => {
  it("glyph classes follow this build's glyph layout", () => {
    assert.equal(glyphClass(0), "monster");
    assert.equal(glyphClass(383), "monster");
    assert.equal(glyphClass(384), "pet");
    assert.equal(glyphClass(768), "invisible");
    assert.equal(glyphClass(1921), "object");
    assert.equal(glyphClass(G.GLYPH_CMAP_OFF + G.S.room), "floor");
    assert.equal(glyphClass(G.GLYPH_CMAP_OFF + G.S.vcdoor), "closed_door");
    assert.equal(glyphClass(G.GLYPH_CMAP_OFF + G.S.dnstair), "down");
    assert.equal(glyphClass(G.GLYPH_CMAP_OFF + G.S.arrow_trap), "trap");
    assert.equal(glyphClass(G.GLYPH_UNEXPLORED), "unexplored");
    assert.equal(glyphClass(CROP_PAD), "pad");
  });

  it("encodes blstats, a hero-centred crop with padding, and inventory counts", () => {
    const o = allocObservation();
    o.glyphs.fill(G.GLYPH_UNEXPLORED);
    o.glyphs[1 * 79 + 0] = 42; // a monster at (x=0, y=1)
    o.blstats[BL.X] = 0;
    o.blstats[BL.Y] = 1;
    o.blstats[BL.HP] = 5;
    o.blstats[BL.HPMAX] = 20;
    o.inv_oclasses.fill(18);
    o.inv_oclasses.set([2, 2, 7]);
    const f = encodeObservations([o, o], 15);
    assert.equal(f.B, 2);
    assert.equal(f.crop.length, 2 * 225);
    // Centre cell (7,7) is the hero position.
    assert.equal(f.crop[7 * 15 + 7], 42);
    // x = -1 is outside the map; y = 1 - 7 < 0 is outside too.
    assert.equal(f.crop[7 * 15 + 6], CROP_PAD);
    assert.equal(f.crop[0], CROP_PAD);
    assert.equal(f.crop[7 * 15 + 8], G.GLYPH_UNEXPLORED);
    assert.equal(f.blstats[BL.HP], 0.25);
    assert.equal(f.inv.length, 2 * NUM_OCLASSES);
    assert.ok(Math.abs(f.inv[2] - Math.log1p(2) / 2) < 1e-6);
    assert.ok(Math.abs(f.inv[7] - Math.log1p(1) / 2) < 1e-6);
    assert.equal(f.inv[3], 0);
    assert.deepEqual(Array.from(f.crop.subarray(0, 225)), Array.from(f.crop.subarray(225)));
  });
});
