/** `tedg train` from the command line: bad input exits 2 with a message naming the value and what is allowed. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { projectRoot } from "../../src/util/index.js";

function tedg(args: string[]): { code: number | null; out: string } {
  const r = spawnSync(process.execPath, [join(projectRoot(), "bin", "tedg.js"), ...args], {
    encoding: "utf8",
    timeout: 60_000,
  });
  return { code: r.status, out: r.stdout + r.stderr };
}

describe("tedg train (CLI)", () => {
  it("rejects a config value out of range, naming key, value and range", () => {
    const dir = mkdtempSync(join(tmpdir(), "tedg-cli-"));
    try {
      const r = tedg(["train", "--out", dir, "--set", "ppo.clip=3"]);
      assert.equal(r.code, 2, r.out);
      assert.match(r.out, /config key `ppo\.clip` = 3: expected a number in \(0, 1\]/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("rejects an unknown ablation and a missing resume folder", () => {
    const a = tedg(["train", "--ablation", "nope"]);
    assert.equal(a.code, 2, a.out);
    assert.match(a.out, /--ablation.*nope.*baseline/);
    const b = tedg(["train", "--resume", join(tmpdir(), "tedg-no-such-run")]);
    assert.equal(b.code, 2, b.out);
    assert.match(b.out, /invalid --resume: .*tedg-no-such-run.*; expected an existing checkpoint folder/);
  });
});
