/**
 * A `tedg` command run as a child process (the broker bench's trainer, learner and actors; the distributed
 * test's processes), with its output collected and a guarantee that none outlives this process.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { projectRoot } from "../util/index.js";

/** Processes started here and still running: killed if this process exits first (Ctrl-C on the bench). */
const live = new Set<ChildProcess>();
let exitHook = false;

export class TedgProcess {
  readonly proc: ChildProcess;
  /** stdout and stderr interleaved; the last `keepChars` characters. */
  out = "";
  readonly exited: Promise<number | null>;
  constructor(
    readonly name: string,
    args: string[],
    keepChars = Infinity,
  ) {
    this.proc = spawn(process.execPath, [join(projectRoot(), "bin", "tedg.js"), ...args], {
      cwd: projectRoot(),
      stdio: ["ignore", "pipe", "pipe"],
    });
    const keep = (d: Buffer) => {
      this.out += d.toString();
      if (this.out.length > keepChars) this.out = this.out.slice(-keepChars);
    };
    this.proc.stdout!.on("data", keep);
    this.proc.stderr!.on("data", keep);
    live.add(this.proc);
    if (!exitHook) {
      exitHook = true;
      process.on("exit", () => {
        for (const p of live) p.kill("SIGKILL");
      });
    }
    this.exited = new Promise((resolve) =>
      this.proc.on("exit", (code) => {
        live.delete(this.proc);
        resolve(code);
      }),
    );
  }
  get pid(): number {
    return this.proc.pid!;
  }
  get running(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }
  /** Sends `signal`, then SIGKILL after `graceMs`; resolves with the exit code (null when killed by a signal). */
  async stop(signal: NodeJS.Signals, graceMs = 30_000): Promise<number | null> {
    if (!this.running) return this.exited;
    this.proc.kill(signal);
    const t = setTimeout(() => this.proc.kill("SIGKILL"), graceMs);
    const code = await this.exited;
    clearTimeout(t);
    return code;
  }
}
