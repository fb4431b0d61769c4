/**
 * `tedg actor` and `tedg train --broker` from the command line: bad input exits 2 with a message naming the
 * value and what is allowed, before anything connects; a broker outside loopback without a password is refused
 * unless --insecure.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, it } from "node:test";
import { projectRoot } from "../../src/util/index.js";

function tedg(args: string[]): { code: number | null; out: string } {
  const r = spawnSync(process.execPath, [join(projectRoot(), "bin", "tedg.js"), ...args], {
    encoding: "utf8",
    timeout: 60_000,
    env: { ...process.env, REDIS_PASSWORD: "" },
  });
  return { code: r.status, out: r.stdout + r.stderr };
}

describe("broker commands (CLI)", () => {
  it("tedg actor: a bad broker address, run name or backend is refused", () => {
    const a = tedg(["actor", "--broker", "http://127.0.0.1:6379", "--run", "r"]);
    assert.equal(a.code, 2, a.out);
    assert.match(a.out, /broker address scheme.*http:.*redis:\/\//);
    const b = tedg(["actor", "--broker", "redis://127.0.0.1:6379", "--run", "a b"]);
    assert.equal(b.code, 2, b.out);
    assert.match(b.out, /--run.*a b.*a run name/);
    const c = tedg(["actor", "--broker", "redis://127.0.0.1:6379", "--run", "r", "--backend", "gpu"]);
    assert.equal(c.code, 2, c.out);
    assert.match(c.out, /--backend.*gpu.*wasm or cpu/);
  });

  it("refuses a broker outside loopback without a password unless --insecure", () => {
    const a = tedg(["actor", "--broker", "redis://10.1.2.3:6379", "--run", "r"]);
    assert.equal(a.code, 2, a.out);
    assert.match(a.out, /a password for a broker outside loopback.*or --insecure/);
    const t = tedg(["train", "--broker", "redis://10.1.2.3:6379", "--exp-name", "r"]);
    assert.equal(t.code, 2, t.out);
    assert.match(t.out, /a password for a broker outside loopback/);
  });

  it("tedg train: broker options without --broker are refused", () => {
    const r = tedg(["train", "--max-policy-lag", "2"]);
    assert.equal(r.code, 2, r.out);
    assert.match(r.out, /only with --broker/);
    const s = tedg(["train", "--broker", "redis://127.0.0.1:6379", "--max-segment-mb", "0"]);
    assert.equal(s.code, 2, s.out);
    assert.match(s.out, /--max-segment-mb.*0.*a number > 0/);
  });
});
