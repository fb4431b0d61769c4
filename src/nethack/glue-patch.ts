/**
 * Load-time rewrite of the package's emscripten glue (nethack.js) so that many games can live in one thread
 * and be driven synchronously:
 *  - `globalThis.nethackGlobal` becomes a per-instance `Module.__nhg`;
 *  - the Asyncify `local_callback` import is replaced by `Module.__lc` (our synchronous dispatcher);
 *  - process-wide `uncaughtException` / `unhandledRejection` handlers are removed (they leak and abort);
 *  - `readyPromiseReject` calls are removed (an unhandled rejection would kill the process on exit());
 *  - `time()` asks `Module.__time` (our seeding hook);
 *  - the ~5 MB of data files embedded as JS number arrays are cut out and supplied as Uint8Arrays
 *    (`Module.__files[i]`), parsed once per process instead of once per game;
 *  - Asyncify, FS and ExitStatus are exposed on Module.
 * Each replacement must match exactly the expected number of times; otherwise the build fails.
 */
import { TedgError } from "../util/index.js";

export interface PatchedGlue {
  /** CommonJS source whose module.exports is the emscripten factory. */
  source: string;
  /** Embedded data files in order: [name, bytes]. */
  files: Array<{ name: string; data: Uint8Array }>;
}

function replaceExact(
  src: string,
  find: string | RegExp,
  repl: string,
  expected: number,
  what: string,
): string {
  let count = 0;
  const re = typeof find === "string" ? new RegExp(find.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), "g") : find;
  const out = src.replace(re, () => {
    count++;
    return repl;
  });
  if (count !== expected) {
    throw new TedgError(`glue patch "${what}": expected ${expected} match(es), found ${count}`);
  }
  return out;
}

export function patchGlue(glueText: string): PatchedGlue {
  let src = glueText;

  // 1. Data files: collect the pushed arrays, then replace each array with a reference to Module.__files.
  const files: Array<{ name: string; data: Uint8Array }> = [];
  const chunks = new Map<number, number[][]>();
  src = src.replace(
    /^fileData(\d+)\.push\.apply\(fileData\d+, \[([0-9, ]*)\]\);\n/gm,
    (_m, idx: string, nums: string) => {
      const i = Number(idx);
      const list = chunks.get(i) ?? [];
      list.push(nums.length ? nums.split(",").map((n) => Number(n)) : []);
      chunks.set(i, list);
      return "";
    },
  );
  src = src.replace(
    /^[ \t]*var fileData(\d+) = \[\];\nModule\['FS_createDataFile'\]\('\/', '([^']+)', fileData\d+, true, true, false\);\n/gm,
    (_m, idx: string, name: string) => {
      const i = Number(idx);
      const parts = chunks.get(i) ?? [];
      const total = parts.reduce((n, p) => n + p.length, 0);
      const data = new Uint8Array(total);
      let off = 0;
      for (const p of parts) {
        data.set(p, off);
        off += p.length;
      }
      files[i] = { name, data };
      return `Module['FS_createDataFile']('/', '${name}', Module.__files[${i}], true, true, false);\n`;
    },
  );
  if (files.length !== 8 || files.some((f) => f === undefined)) {
    throw new TedgError(
      `glue patch "data files": expected 8 embedded files, found ${files.filter(Boolean).length}`,
    );
  }

  // 2. Per-instance globals.
  src = replaceExact(src, /globalThis\.nethackGlobal/g, "Module.__nhg", 32, "nethackGlobal → Module.__nhg");

  // 3. Our synchronous callback dispatcher replaces the shim's promise/setTimeout based one.
  src = replaceExact(
    src,
    /^function local_callback\(cb_name,shim_name,ret_ptr,fmt_str,args\)\{.*$/m,
    "function local_callback(cb_name,shim_name,ret_ptr,fmt_str,args){ return Module.__lc(shim_name,ret_ptr,fmt_str,args); }",
    1,
    "local_callback",
  );

  // 4. No process-wide handlers, no process.exit.
  src = replaceExact(
    src,
    "process['on']('uncaughtException',",
    "(function(){})('uncaughtException',",
    1,
    "uncaughtException",
  );
  src = replaceExact(src, "process['on']('unhandledRejection', abort);", "", 1, "unhandledRejection");

  // 5. exit()/abort() must not reject the ready promise (nobody awaits it: that would be an unhandled rejection).
  src = replaceExact(
    src,
    /readyPromiseReject\((msg|e)\);/g,
    "/* rejected ready promise removed */",
    2,
    "readyPromiseReject",
  );

  // 6. Seeding hook.
  src = replaceExact(
    src,
    "function _time(ptr) {\n      var ret = (Date.now()/1000)|0;",
    "function _time(ptr) {\n      var ret = Module.__time ? Module.__time() : (Date.now()/1000)|0;",
    1,
    "time()",
  );

  // 7. Expose the runtime pieces the driver needs.
  src = replaceExact(
    src,
    "  noExitRuntime = true;\n\nrun();",
    "  noExitRuntime = true;\nModule.Asyncify = Asyncify; Module.FS = FS; Module.ExitStatus = ExitStatus;\nrun();",
    1,
    "module additions",
  );

  return { source: src, files };
}
