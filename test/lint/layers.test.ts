/**
 * The layer rule (eslint.config.js): a file of src/<layer>/ may import lower layers only, and only through
 * their public face `<layer>/index.js`. Lints snippets as if they were files of a layer, with the project's
 * own config, and checks that the source tree obeys the rule.
 */
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { ESLint } from "eslint";

// The compiled test runs from dist/test/lint/; the repository root is three folders up.
const root = fileURLToPath(new URL("../../../", import.meta.url));
const RULE = "no-restricted-imports";

async function layerMessages(eslint: ESLint, code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(root, filePath) });
  return result.messages.filter((m) => m.ruleId === RULE).map((m) => m.message);
}

describe("layer rule (eslint no-restricted-imports)", () => {
  const eslint = new ESLint({ cwd: root });

  it("reports an upward import", async () => {
    const cases: [string, string][] = [
      ["src/env/fixture.ts", 'import { train } from "../train/index.js";\nvoid train;\n'],
      [
        "src/model/fixture.ts",
        'import type { ObserverOptions } from "../agent/index.js";\nexport type O = ObserverOptions;\n',
      ],
      ["src/util/fixture.ts", 'export { makeEnv } from "../env/index.js";\n'],
      ["src/run/fixture.ts", 'import { BatchObserver } from "../agent/observer.js";\nvoid BatchObserver;\n'],
      ["src/model/kernels/fixture.ts", 'import { train } from "../../train/index.js";\nvoid train;\n'],
    ];
    for (const [file, code] of cases) {
      const msgs = await layerMessages(eslint, code, file);
      assert.equal(msgs.length, 1, `${file}: ${code} → ${JSON.stringify(msgs)}`);
      assert.match(msgs[0], /upward import/, file);
    }
  });

  it("reports a skipping import (another layer's internal file instead of its index.js)", async () => {
    const cases: [string, string][] = [
      ["src/env/fixture.ts", 'import { Rng } from "../util/rng.js";\nvoid Rng;\n'],
      [
        "src/eval/fixture.ts",
        'import { loadCheckpoint } from "../train/checkpoint.js";\nvoid loadCheckpoint;\n',
      ],
      ["src/model/fixture.ts", 'export { shuffleConditionEdges } from "../knowledge/shuffle.js";\n'],
      [
        "src/model/kernels/fixture.ts",
        'import { FileFormatError } from "../../util/errors.js";\nvoid FileFormatError;\n',
      ],
      ["src/cli/commands/fixture.ts", 'import { train } from "../../train/trainer.js";\nvoid train;\n'],
      ["src/report/fixture.ts", 'import { gather0 } from "../model/kernels/index.js";\nvoid gather0;\n'],
    ];
    for (const [file, code] of cases) {
      const msgs = await layerMessages(eslint, code, file);
      assert.equal(msgs.length, 1, `${file}: ${code} → ${JSON.stringify(msgs)}`);
      assert.match(msgs[0], /skipping import/, file);
    }
  });

  it("allows a lower layer's index.js, same-layer files and packages", async () => {
    const cases: [string, string][] = [
      [
        "src/env/fixture.ts",
        [
          'import { Rng } from "../util/index.js";',
          'import { NetHackGame } from "../nethack/index.js";',
          'import { actionSet } from "./actions.js";',
          'import { join } from "node:path";',
          "void [Rng, NetHackGame, actionSet, join];",
          "",
        ].join("\n"),
      ],
      ["src/eval/fixture.ts", 'import { loadCheckpoint } from "../run/index.js";\nvoid loadCheckpoint;\n'],
      ["src/model/kernels/fixture.ts", 'import { createPolicy } from "../policy.js";\nvoid createPolicy;\n'],
      ["src/cli/commands/fixture.ts", 'import { train } from "../../train/index.js";\nvoid train;\n'],
      ["src/util/fixture.ts", 'import { Rng } from "./rng.js";\nvoid Rng;\n'],
    ];
    for (const [file, code] of cases) {
      assert.deepEqual(await layerMessages(eslint, code, file), [], `${file}: ${code}`);
    }
  });

  it("covers every folder of src/, and the source tree obeys it", async () => {
    const config = (await import(pathToFileURL(join(root, "eslint.config.js")).href)) as { LAYERS: string[] };
    const folders = readdirSync(join(root, "src"), { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort();
    assert.deepEqual([...config.LAYERS].sort(), folders);
    const results = await eslint.lintFiles([join(root, "src")]);
    const found = results.flatMap((r) =>
      r.messages.filter((m) => m.ruleId === RULE).map((m) => `${r.filePath}:${m.line}: ${m.message}`),
    );
    assert.deepEqual(found, []);
  });
});
