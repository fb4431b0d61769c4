/**
 * Live view while training: serves the run's report on localhost and lets the page poll for changes of
 * metrics.jsonl / eval/ (the page then redraws its charts in place; nothing is written to the run folder).
 *   GET /           the report, built fresh (live mode)
 *   GET /data.json  {version} when ?since= matches, else {version, charts, replayCount, tablesHtml}
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { resolve } from "node:path";
import { InvalidArgumentError, TedgError } from "../util/index.js";
import { buildRunPage } from "./report.js";
import { runVersion } from "./run-data.js";
import { esc } from "./html.js";

export interface Dashboard {
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface DashboardOptions {
  /** How often the page polls (ms, default 3000). */
  refreshMs?: number;
  host?: string;
}

function waitingPage(dir: string, why: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="refresh" content="2">
<title>tedg dashboard</title></head><body style="font:14px system-ui;padding:24px">
<h2>tedg dashboard</h2><p>Waiting for ${esc(dir)}: ${esc(why)}</p><p>This page reloads every 2 s.</p></body></html>`;
}

/**
 * Starts the dashboard for `runDir` on `port` (0 picks a free one). Resolves once listening; `close()` stops
 * it. The run folder may not exist yet: the page waits for it.
 */
export function startDashboard(runDir: string, port = 0, opts: DashboardOptions = {}): Promise<Dashboard> {
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new InvalidArgumentError("dashboard port", port, "an integer in [0, 65535] (0 = any free port)");
  const dir = resolve(runDir);
  const host = opts.host ?? "127.0.0.1";
  const refreshMs = opts.refreshMs ?? 3000;

  const send = (res: ServerResponse, code: number, type: string, body: string) => {
    res.writeHead(code, { "content-type": type, "cache-control": "no-store" });
    res.end(body);
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    try {
      if (req.method !== "GET") return send(res, 405, "text/plain", "GET only");
      if (url.pathname === "/" || url.pathname === "/index.html") {
        let html: string;
        try {
          html = buildRunPage(dir, { live: true, refreshMs }).html;
        } catch (e) {
          if (e instanceof TedgError) html = waitingPage(dir, e.message);
          else throw e;
        }
        return send(res, 200, "text/html; charset=utf-8", html);
      }
      // Browsers ask for an icon; an empty answer keeps the console free of 404s.
      if (url.pathname === "/favicon.ico") {
        res.writeHead(204);
        return res.end();
      }
      if (url.pathname === "/data.json") {
        const version = runVersion(dir);
        if (url.searchParams.get("since") === version)
          return send(res, 200, "application/json", JSON.stringify({ version }));
        const p = buildRunPage(dir, { live: true, refreshMs });
        return send(
          res,
          200,
          "application/json",
          JSON.stringify({
            version: p.data.version,
            charts: p.data.charts,
            replayCount: p.data.replays.length,
            tablesHtml: p.data.tablesHtml,
          }),
        );
      }
      return send(res, 404, "text/plain", "not found");
    } catch (e) {
      return send(res, 500, "text/plain", `tedg dashboard: ${(e as Error).message}`);
    }
  };

  const server = createServer(handle);
  return new Promise((ok, fail) => {
    server.once("error", (e: NodeJS.ErrnoException) =>
      fail(
        e.code === "EADDRINUSE"
          ? new InvalidArgumentError(
              "dashboard port",
              port,
              "a free port (this one is in use), or 0 for any free port",
            )
          : e,
      ),
    );
    server.listen(port, host, () => {
      const addr = server.address();
      const actual = typeof addr === "object" && addr ? addr.port : port;
      // The dashboard must never keep a finished training process alive.
      server.unref();
      ok({
        url: `http://${host}:${actual}/`,
        port: actual,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections?.();
            server.close(() => done());
          }),
      });
    });
  });
}
