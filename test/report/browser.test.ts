/**
 * The report of a short REAL run in headless Chromium: train (demo preset, 2 envs, 6 episodes × 50 steps,
 * every phase visited), evaluate with one recorded episode, write the report, open it: every chart renders
 * (SVG present), no console errors, the replay slider moves the screen; screenshots go to test-output/.
 * Skipped, with the reason, when Chromium or playwright-core is missing.
 */
import assert from "node:assert/strict";
import { appendFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import { evaluate } from "../../src/eval/index.js";
import { CHARTS_RENDERED, findChromium, startDashboard, writeReport } from "../../src/report/index.js";
import { tempDir, trainTinyRun } from "../eval/helpers.js";

const chromiumPath = findChromium();
let playwright: typeof import("playwright-core") | null = null;
try {
  playwright = await import("playwright-core");
} catch {
  playwright = null;
}
const skip = !chromiumPath
  ? `Chromium not found (tried $TEDG_CHROMIUM, /usr/bin/chromium, /usr/bin/chromium-browser, /usr/bin/google-chrome)`
  : !playwright
    ? "playwright-core is not installed"
    : false;

const OUT = resolve("test-output");

describe("report in a browser (real run)", { skip }, () => {
  const tmp = tempDir("tedg-browser-");
  let runDir = "";
  before(async () => {
    runDir = await trainTinyRun(tmp.dir, "browser", {
      episodes: 6,
      maxSteps: 50,
      phaseUntil: [2, 4],
      smallModel: false,
    });
    const ev = await evaluate({ checkpoint: runDir, episodes: 2, maxSteps: 50, record: 1, workers: 2 });
    assert.equal(ev.files.replays.length, 1);
  });
  after(() => tmp.cleanup());

  it("renders every chart without console errors and the replay slider moves", async () => {
    const { html } = writeReport(runDir);

    const browser = await playwright!.chromium.launch({
      executablePath: chromiumPath!,
      args: ["--no-sandbox"],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 1500 } });
      const errors: string[] = [];
      page.on("console", (m) => {
        if (m.type() === "error") errors.push(m.text());
      });
      page.on("pageerror", (e) => errors.push(String(e)));
      await page.goto(pathToFileURL(html).href);
      await page.waitForFunction(CHARTS_RENDERED, undefined, { timeout: 20_000 });

      const charts = await page.$$eval(".chart", (els) =>
        els.map((el) => ({
          id: el.id,
          svgs: el.querySelectorAll("svg").length,
          shapes: el.querySelectorAll("svg path, svg rect, svg text").length,
        })),
      );
      for (const id of ["score", "entropy", "alpha", "losses", "lrtau", "speed", "heatmap", "operators"])
        assert.ok(
          charts.some((c) => c.id === `chart-${id}`),
          `chart ${id} on the page (${charts.map((c) => c.id)})`,
        );
      for (const c of charts) {
        assert.equal(c.svgs >= 1, true, `${c.id} has an SVG`);
        assert.ok(c.shapes > 10, `${c.id} drew something (${c.shapes} shapes)`);
      }

      // Replay: the 24×80 screen, α bars per expert, then move the slider with the keyboard.
      const screen = page.locator("pre.screen");
      const first = await screen.textContent();
      assert.match(first ?? "", /Dlvl:1/);
      assert.equal((first ?? "").split("\n").filter((l) => l.length).length, 24);
      assert.equal(await page.locator(".bars .bar").count(), 4);
      const label = page.locator(".stepLabel");
      assert.match((await label.textContent()) ?? "", /^frame 0 \/ \d+$/);
      const slider = page.locator("input.slider");
      await slider.focus();
      for (let i = 0; i < 12; i++) await page.keyboard.press("ArrowRight");
      assert.match((await label.textContent()) ?? "", /^frame 12 \/ \d+$/);
      assert.match(
        (await page.locator(".replay .info").textContent()) ?? "",
        /action .+scenario (combat|survival|exploration|general)/,
      );
      const moved = await screen.textContent();
      assert.notEqual(moved, first, "the screen changed after 12 steps");
      await page.keyboard.press("End");
      assert.match((await page.locator(".replay .info").textContent()) ?? "", /end/);

      mkdirSync(OUT, { recursive: true });
      await page.screenshot({ path: join(OUT, "report.png") });
      await page.locator(".replay").screenshot({ path: join(OUT, "report-replay.png") });
      assert.ok(existsSync(join(OUT, "report.png")));
      assert.deepEqual(errors, [], "no console errors");
    } finally {
      await browser.close();
    }
  });
  it("the live dashboard redraws when metrics.jsonl grows", async () => {
    const d = await startDashboard(runDir, 0, { refreshMs: 300 });
    const browser = await playwright!.chromium.launch({
      executablePath: chromiumPath!,
      args: ["--no-sandbox"],
    });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on("console", (m) => {
        if (m.type() === "error") errors.push(m.text());
      });
      page.on("pageerror", (e) => errors.push(String(e)));
      await page.goto(d.url);
      await page.waitForFunction(CHARTS_RENDERED, undefined, { timeout: 20_000 });
      const points = `window.tedgReport.data.charts.find((c) => c.id === "score").option.series[0].data.length`;
      const before = (await page.evaluate(points)) as number;
      const last = readFileSync(join(runDir, "metrics.jsonl"), "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l))
        .filter((r) => r.type === "episode")
        .pop();
      appendFileSync(
        join(runDir, "metrics.jsonl"),
        JSON.stringify({ ...last, episode: last.episode + 1, score: 99 }) + "\n",
      );
      await page.waitForFunction(`${points} === ${before + 1}`, undefined, { timeout: 10_000 });
      assert.match((await page.textContent("#live")) ?? "", /live — checked/);
      assert.deepEqual(errors, [], "no console errors");
    } finally {
      await browser.close();
      await d.close();
    }
  });
});
