import { test } from "node:test";
import assert from "node:assert/strict";
import { makeEnv, BL } from "../../src/env/index.js";
import { readCatalog } from "../../src/nethack/catalog.js";
import { NLE_GLYPH, nleGlyphTable, nleNames, toNleGlyphs } from "../../src/nethack/nle-glyphs.js";
import * as G from "../../src/nethack/glyphs.js";

function gameTables() {
  const env = makeEnv();
  env.reset({ seed: 3 });
  const game = env.rawGame!;
  return { env, catalog: readCatalog(game), table: nleGlyphTable(game) };
}

test("every NLE monster and object glyph has exactly one counterpart in this build", () => {
  const { catalog, table } = gameTables();
  const nle = nleNames();
  assert.equal(catalog.monsters.length, G.NUMMONS);
  assert.equal(catalog.objects.length, G.NUM_OBJECTS);
  // Identity classes map onto NLE's ranges one to one, monsters and objects by name.
  const ranges: Array<[string, number, number, number, number]> = [
    ["monsters", G.GLYPH_MON_OFF, G.NUMMONS, NLE_GLYPH.GLYPH_MON_OFF, NLE_GLYPH.NUMMONS],
    ["pets", G.GLYPH_PET_OFF, G.NUMMONS, NLE_GLYPH.GLYPH_PET_OFF, NLE_GLYPH.NUMMONS],
    ["corpses", G.GLYPH_BODY_OFF, G.NUMMONS, NLE_GLYPH.GLYPH_BODY_OFF, NLE_GLYPH.NUMMONS],
    ["statues", G.GLYPH_STATUE_OFF, G.NUMMONS, NLE_GLYPH.GLYPH_STATUE_OFF, NLE_GLYPH.NUMMONS],
    ["objects", G.GLYPH_OBJ_OFF, G.NUM_OBJECTS, NLE_GLYPH.GLYPH_OBJ_OFF, NLE_GLYPH.NUM_OBJECTS],
    ["swallow", G.GLYPH_SWALLOW_OFF, 8 * G.NUMMONS, NLE_GLYPH.GLYPH_SWALLOW_OFF, 8 * NLE_GLYPH.NUMMONS],
  ];
  for (const [what, off, n, nleOff, nleN] of ranges) {
    const hits = [...table.subarray(off, off + n)].filter((v) => v >= 0).sort((a, b) => a - b);
    assert.deepEqual(
      hits,
      Array.from({ length: nleN }, (_, i) => nleOff + i),
      `${what}: every NLE id exactly once`,
    );
  }
  const nleMon = (name: string) => NLE_GLYPH.GLYPH_MON_OFF + nle.monsters.indexOf(name);
  const ours = (name: string) => G.GLYPH_MON_OFF + catalog.monsters.indexOf(name);
  assert.equal(table[ours("giant ant")], 0);
  assert.equal(table[ours("gremlin")], nleMon("gremlin"));
  assert.equal(table[ours("gremlin")], ours("gremlin") - 1, "one 3.7 monster (displacer beast) comes before");
  assert.equal(table[ours("Oracle")], nleMon("Oracle"));
  for (const name of ["displacer beast", "genetic engineer", "mail daemon"]) {
    assert.equal(table[ours(name)], -1, `${name} has no NLE glyph`);
    assert.equal(table[G.GLYPH_STATUE_OFF + catalog.monsters.indexOf(name)], -1);
  }
  // The were-creatures' animal and human forms pair up in order.
  const wererats = catalog.monsters.flatMap((n, i) => (n === "wererat" ? [i] : []));
  const nleWererats = nle.monsters.flatMap((n, i) => (n === "wererat" ? [i] : []));
  assert.deepEqual(
    wererats.map((i) => table[i]),
    nleWererats,
  );
  const obj = (name: string, k = 0) =>
    G.GLYPH_OBJ_OFF + catalog.objects.flatMap((n, i) => (n === name ? [i] : []))[k];
  const nleObj = (name: string, k = 0) =>
    NLE_GLYPH.GLYPH_OBJ_OFF + nle.objects.flatMap((n, i) => (n === name ? [i] : []))[k];
  assert.equal(table[obj("strange object")], NLE_GLYPH.GLYPH_OBJ_OFF);
  assert.equal(table[obj("Amulet of Yendor")], nleObj("Amulet of Yendor"));
  assert.equal(table[obj("blank paper", 1)], nleObj("blank paper", 1), "the spellbook, not the scroll");
  assert.equal(table[obj("splash of acid venom")], nleObj("acid venom"));
  for (const name of ["amulet of guarding", "amulet of flying", "mail"]) assert.equal(table[obj(name)], -1);
  // Shifted classes; 3.7-only glyphs.
  assert.equal(table[G.GLYPH_INVIS_OFF], NLE_GLYPH.GLYPH_INVIS_OFF);
  assert.equal(table[G.GLYPH_CMAP_OFF + G.S.dnstair], NLE_GLYPH.GLYPH_CMAP_OFF + G.S.dnstair);
  assert.equal(table[G.GLYPH_EXPLODE_OFF], NLE_GLYPH.GLYPH_EXPLODE_OFF);
  assert.equal(table[G.GLYPH_ZAP_OFF + 31], NLE_GLYPH.GLYPH_ZAP_OFF + 31);
  assert.equal(table[G.GLYPH_WARNING_OFF + 5], NLE_GLYPH.GLYPH_WARNING_OFF + 5);
  assert.equal(table[G.GLYPH_UNEXPLORED], NLE_GLYPH.GLYPH_CMAP_OFF + G.S.stone);
  assert.equal(table[G.GLYPH_NOTHING], -1);
  assert.ok(Math.max(...table) < NLE_GLYPH.MAX_GLYPH);
});

test("a real game's screen translates to NLE glyphs: the hero is NLE's monk, nothing is left unmapped", () => {
  const { env, table } = gameTables();
  const nle = nleNames();
  for (const seed of [3, 4, 5]) {
    const { obs } = env.reset({ seed });
    const nleGlyphs = toNleGlyphs(table, obs.glyphs);
    const hero = obs.blstats[BL.Y] * 79 + obs.blstats[BL.X];
    assert.equal(nleGlyphs[hero], NLE_GLYPH.GLYPH_MON_OFF + nle.monsters.indexOf("monk"));
    assert.equal(nleGlyphs.indexOf(-1), -1, "every glyph on a first level has an NLE counterpart");
    // Unexplored cells become NLE's S_stone, as 3.6 draws never-seen locations.
    const unexplored = obs.glyphs.indexOf(G.GLYPH_UNEXPLORED);
    assert.equal(nleGlyphs[unexplored], NLE_GLYPH.GLYPH_CMAP_OFF + G.S.stone);
  }
  env.close();
});
