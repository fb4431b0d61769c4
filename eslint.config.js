// Lint config: typescript-eslint recommended rules over the TypeScript sources, plus the layer rule.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

/**
 * The layers of src/, lowest first. A layer may import the layers below it, and only through their public
 * face (`<layer>/index.js`); files of one layer import each other freely. util is the bottom (it imports no
 * other layer; every layer may use it); cli is the top (nothing imports it; it may use every layer's index).
 * Pairs written "a/b" in the docs are ordered too: knowledge < model and run < agent. broker (the Redis
 * transport between actors and the learner) sits below train, which runs the learner on it.
 */
export const LAYERS = [
  "util",
  "nethack",
  "env",
  "knowledge",
  "model",
  "run",
  "agent",
  "broker",
  "train",
  "eval",
  "report",
  "cli",
];

/** The no-restricted-imports patterns for files of `layer`: (a) upward imports, (b) skipping imports. */
export function layerPatterns(layer) {
  const i = LAYERS.indexOf(layer);
  const above = LAYERS.slice(i + 1);
  const below = LAYERS.slice(0, i);
  const patterns = [];
  if (above.length) {
    patterns.push({
      regex: `^(\\.\\./)+(${above.join("|")})(/|$)`,
      message:
        `upward import: src/${layer} is below ${above.map((l) => `src/${l}`).join(", ")} and must not ` +
        `import them (layers: ${LAYERS.join(" < ")}; see README "Layers").`,
    });
  }
  if (below.length) {
    patterns.push({
      regex: `^(\\.\\./)+(${below.join("|")})/(?!index\\.js$)`,
      message:
        "skipping import: import another layer through its public face, `../<layer>/index.js`, not one of " +
        'its internal files (see README "Layers").',
    });
  }
  return patterns;
}

export default tseslint.config(
  {
    ignores: [
      "dist/",
      "dist-*/",
      "node_modules/",
      ".cache/",
      "runs/",
      "coverage/",
      "test-output/",
      "scratch/",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: "readonly", console: "readonly", Buffer: "readonly" } },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/no-explicit-any": "off",
    },
  },
  // One block per layer: each file of src/<layer>/ gets exactly one set of restrictions.
  ...LAYERS.map((layer) => ({
    files: [`src/${layer}/**/*.ts`],
    rules: { "no-restricted-imports": ["error", { patterns: layerPatterns(layer) }] },
  })),
);
