/**
 * A throwaway local redis-server (for `tedg bench broker`): a free loopback port, a temporary folder removed on
 * stop, no persistence unless asked (then an append-only file, fsynced every second). The server is killed when
 * this process exits, so a crashed bench leaves no server behind.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StateError } from "../util/index.js";

export interface LocalRedisOptions {
  /** Keep an append-only file (fsync every second) in the temporary folder; default: no persistence at all. */
  persist?: boolean;
  /** How long to wait for "Ready to accept connections" (ms, default 10 000). */
  startTimeoutMs?: number;
}

/** The installed redis-server's version ("7.0.15"), or null when there is none on the PATH. */
export function redisServerVersion(): string | null {
  const r = spawnSync("redis-server", ["--version"], { encoding: "utf8" });
  if (r.error || r.status !== 0) return null;
  return /v=(\S+)/.exec(r.stdout)?.[1] ?? r.stdout.trim();
}

/** A free TCP port on 127.0.0.1 (free when asked; another process could still take it before we bind). */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      s.close(() => (a && typeof a === "object" ? resolve(a.port) : reject(new StateError("no free port"))));
    });
  });
}

export class LocalRedis {
  private proc: ChildProcess | null;
  private readonly killOnExit = () => {
    this.proc?.kill("SIGKILL");
    rmSync(this.dir, { recursive: true, force: true });
  };

  private constructor(
    readonly port: number,
    readonly dir: string,
    readonly version: string,
    proc: ChildProcess,
  ) {
    this.proc = proc;
    process.once("exit", this.killOnExit);
  }

  /** Starts a server; throws a StateError saying what to install when redis-server is missing. */
  static async start(opts: LocalRedisOptions = {}): Promise<LocalRedis> {
    const version = redisServerVersion();
    if (version === null)
      throw new StateError(
        "redis-server is not installed or not on the PATH (e.g. `apt-get install redis-server`); " +
          "the broker bench starts its own throwaway server",
      );
    const port = await freeLoopbackPort();
    const dir = mkdtempSync(join(tmpdir(), "tedg-bench-redis-"));
    const args = ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", ""];
    args.push("--appendonly", opts.persist ? "yes" : "no");
    if (opts.persist) args.push("--appendfsync", "everysec");
    const p = spawn("redis-server", args, { stdio: ["ignore", "pipe", "pipe"] });
    try {
      await new Promise<void>((resolve, reject) => {
        let out = "";
        const fail = (why: string) => {
          clearTimeout(t);
          reject(new StateError(`redis-server on port ${port} did not start: ${why}\n${out.slice(-2000)}`));
        };
        const t = setTimeout(() => fail("no 'Ready to accept connections'"), opts.startTimeoutMs ?? 10_000);
        const onData = (d: Buffer) => {
          out += d.toString();
          if (out.includes("Ready to accept connections")) {
            clearTimeout(t);
            p.off("exit", onExit);
            resolve();
          }
        };
        const onExit = (code: number | null) => fail(`it exited (code ${code})`);
        p.stdout!.on("data", onData);
        p.stderr!.on("data", onData);
        p.once("exit", onExit);
        p.once("error", (e) => fail(e.message));
      });
    } catch (e) {
      p.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
      throw e;
    }
    // Keep draining its output so a chatty server never blocks on a full pipe.
    p.stdout!.resume();
    p.stderr!.resume();
    return new LocalRedis(port, dir, version, p);
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** The server's process id (for its CPU time), or null once stopped. */
  get pid(): number | null {
    return this.proc?.pid ?? null;
  }

  /** Stops the server (SIGTERM, SIGKILL after 5 s) and removes its folder. */
  async stop(): Promise<void> {
    const p = this.proc;
    this.proc = null;
    process.off("exit", this.killOnExit);
    if (p && p.exitCode === null && p.signalCode === null) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => p.kill("SIGKILL"), 5000);
        p.once("exit", () => {
          clearTimeout(t);
          resolve();
        });
        p.kill("SIGTERM");
      });
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
