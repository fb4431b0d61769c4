/**
 * Screenshots of a report in headless Chromium (playwright-core driving the system's Chromium; no browser
 * download). Used by `tedg report --screenshot` and the browser test.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { TedgError, writeFileAtomic } from "../util/index.js";

/** Page expression (run in the browser): every chart container holds its rendered SVG. */
export const CHARTS_RENDERED =
  'document.querySelectorAll(".chart").length > 0 && ' +
  'document.querySelectorAll(".chart svg").length === document.querySelectorAll(".chart").length';

const CANDIDATES = [
  "/usr/bin/chromium",
  "/usr/bin/chromium-browser",
  "/usr/bin/google-chrome",
  "/usr/bin/google-chrome-stable",
];

/** The Chromium to use: $TEDG_CHROMIUM, else the first of the usual system paths; null when none exists. */
export function findChromium(): string | null {
  const env = process.env.TEDG_CHROMIUM;
  if (env) return existsSync(env) ? env : null;
  return CANDIDATES.find((p) => existsSync(p)) ?? null;
}

type Playwright = typeof import("playwright-core");

export async function loadPlaywright(): Promise<Playwright> {
  try {
    return await import("playwright-core");
  } catch {
    throw new TedgError("screenshots need the dev dependency playwright-core (npm install --include=dev)");
  }
}

export interface ScreenshotOptions {
  width?: number;
  height?: number;
  fullPage?: boolean;
}

/** Opens `htmlFile` in headless Chromium, waits for the charts, and writes a PNG screenshot. */
export async function screenshotReport(
  htmlFile: string,
  pngFile: string,
  opts: ScreenshotOptions = {},
): Promise<void> {
  const executablePath = findChromium();
  if (!executablePath)
    throw new TedgError(
      `no Chromium found (tried ${process.env.TEDG_CHROMIUM ?? CANDIDATES.join(", ")}); set TEDG_CHROMIUM to its path`,
    );
  const { chromium } = await loadPlaywright();
  const browser = await chromium.launch({ executablePath, args: ["--no-sandbox"] });
  try {
    const page = await browser.newPage({
      viewport: { width: opts.width ?? 1280, height: opts.height ?? 1600 },
    });
    await page.goto(pathToFileURL(resolve(htmlFile)).href);
    await page.waitForFunction(CHARTS_RENDERED);
    writeFileAtomic(pngFile, await page.screenshot({ fullPage: opts.fullPage ?? false }));
  } finally {
    await browser.close();
  }
}
