import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { patchGlue } from "../../src/nethack/glue-patch.js";
import { locatePackage } from "../../src/nethack/package.js";
import { loadAssets } from "../../src/nethack/assets.js";
import { NetHackGame, PENDING } from "../../src/nethack/engine.js";
import * as G from "../../src/nethack/glyphs.js";

const glue = () => readFileSync(join(locatePackage(), "nethack.js"), "utf8");

test("the glue patch extracts the 8 embedded data files and fails loudly on unexpected glue", () => {
  const p = patchGlue(glue());
  assert.deepEqual(
    p.files.map((f) => f.name),
    ["record", "license", "perm", "logfile", "sysconf", "symbols", "nhdat", "xlogfile"],
  );
  assert.match(Buffer.from(p.files[4].data).toString("latin1"), /sysconf/i);
  assert.ok(!p.source.includes("globalThis.nethackGlobal"));
  assert.ok(!p.source.includes("process['on']('unhandledRejection'"));
  assert.throws(
    () => patchGlue(glue().replace("function _time(ptr) {", "function _time2(ptr) {")),
    /glue patch "time\(\)": expected 1 match\(es\), found 0/,
  );
});

function startGame(variant: "optimized" | "original", seed: number) {
  let win = 0;
  const printed: number[] = [];
  const game = new NetHackGame(loadAssets(variant), {
    onCallback(name, args) {
      if (name === "shim_nh_poskey" || name === "shim_nhgetch" || name === "shim_yn_function") return PENDING;
      if (name === "shim_create_nhwindow") return ++win;
      if (name === "shim_print_glyph") printed.push(args[3] as number);
      return 0;
    },
  });
  game.start({
    options: "nolegacy,!splash_screen,name:T,role:val,race:hum,gender:fem,align:neu",
    coreSeed: seed,
    dispSeed: seed,
    fixedTime: 1600000000,
  });
  return { game, printed };
}

test("the optimised wasm behaves exactly like the original on the same inputs", () => {
  const keys = [..."hjklyubnhhjjkkllsss"].map((c) => c.charCodeAt(0));
  const runs = (["optimized", "original"] as const).map((v) => {
    const { game, printed } = startGame(v, 77);
    for (const k of keys) if (game.waiting) game.resume(k);
    return printed;
  });
  assert.ok(runs[0].length > 100);
  assert.deepEqual(runs[0], runs[1]);
});

test("this build's glyph layout constants match the game's own, and cmap symbols draw as expected", () => {
  const { game } = startGame("optimized", 1);
  const c = (game.mod as unknown as { __nhg: { constants: { GLYPH: Record<string, number> } } }).__nhg
    .constants.GLYPH;
  assert.equal(c.GLYPH_PET_OFF, G.GLYPH_PET_OFF);
  assert.equal(c.GLYPH_OBJ_OFF, G.GLYPH_OBJ_OFF);
  assert.equal(c.GLYPH_CMAP_OFF, G.GLYPH_CMAP_OFF);
  assert.equal(c.GLYPH_EXPLODE_OFF, G.GLYPH_EXPLODE_OFF);
  assert.equal(c.GLYPH_WARNING_OFF, G.GLYPH_WARNING_OFF);
  assert.equal(c.GLYPH_STATUE_OFF, G.GLYPH_STATUE_OFF);
  assert.equal(c.GLYPH_UNEXPLORED, G.GLYPH_UNEXPLORED);
  assert.equal(c.MAX_GLYPH, G.MAX_GLYPH);
  const out = new Int32Array(3);
  const ch = (s: number) => {
    game.mapglyph(G.GLYPH_CMAP_OFF + s, 1, 1, out);
    return String.fromCharCode(out[0]);
  };
  assert.equal(ch(G.S.vwall), "|");
  assert.equal(ch(G.S.hwall), "-");
  assert.equal(ch(G.S.vcdoor), "+");
  assert.equal(ch(G.S.room), ".");
  assert.equal(ch(G.S.corr), "#");
  assert.equal(ch(G.S.upstair), "<");
  assert.equal(ch(G.S.dnstair), ">");
  assert.equal(ch(G.S.altar), "_");
  assert.equal(ch(G.S.fountain), "{");
  assert.equal(ch(G.S.arrow_trap), "^");
  assert.equal(ch(G.S.vibrating_square), "~");
  assert.equal(G.glyphKind(G.GLYPH_PET_OFF + 3), "pet");
  assert.equal(G.glyphToCmap(G.GLYPH_CMAP_OFF + 24), G.S.dnstair);
});
