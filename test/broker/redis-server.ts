/**
 * A real redis-server for the broker tests, started in a temporary folder on a free loopback port, with the
 * append-only file fsynced on every write so a restart keeps everything acknowledged before it. On CI the
 * tests must run (.ci/run installs redis-server); elsewhere they are skipped when redis-server is missing.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export function redisAvailable(): boolean {
  const ok = spawnSync("redis-server", ["--version"]).status === 0;
  if (!ok && process.env.CI) throw new Error("redis-server is not installed (.ci/run installs it)");
  return ok;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      s.close(() => (a && typeof a === "object" ? resolve(a.port) : reject(new Error("no port"))));
    });
  });
}

export class TestRedis {
  private proc: ChildProcess | null = null;
  private constructor(
    readonly port: number,
    readonly dir: string,
    private readonly password?: string,
  ) {}

  static async start(opts: { password?: string } = {}): Promise<TestRedis> {
    const r = new TestRedis(await freePort(), mkdtempSync(join(tmpdir(), "tedg-redis-")), opts.password);
    await r.up();
    return r;
  }

  get url(): string {
    return `redis://${this.password ? `:${this.password}@` : ""}127.0.0.1:${this.port}`;
  }

  async up(): Promise<void> {
    const args = ["--port", String(this.port), "--bind", "127.0.0.1", "--dir", this.dir, "--save", ""];
    args.push("--appendonly", "yes", "--appendfsync", "always");
    if (this.password) args.push("--requirepass", this.password);
    const p = spawn("redis-server", args, { stdio: ["ignore", "pipe", "pipe"] });
    this.proc = p;
    await new Promise<void>((resolve, reject) => {
      let out = "";
      const t = setTimeout(() => reject(new Error(`redis-server did not start: ${out}`)), 10_000);
      p.stdout!.on("data", (d: Buffer) => {
        out += d.toString();
        if (out.includes("Ready to accept connections")) {
          clearTimeout(t);
          resolve();
        }
      });
      p.on("exit", (code) => {
        clearTimeout(t);
        reject(new Error(`redis-server exited (${code}): ${out}`));
      });
    });
    p.removeAllListeners("exit");
  }

  /** Stops the server (SIGTERM: it flushes the append-only file first). */
  async down(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      p.once("exit", () => resolve());
      p.kill("SIGTERM");
    });
    this.proc = null;
  }

  async stop(): Promise<void> {
    await this.down();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
