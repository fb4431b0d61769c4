/**
 * Synchronous driver of one NetHack game inside the (patched) emscripten runtime.
 *
 * The game asks for input through Asyncify-instrumented callbacks. When a callback needs a key, we start an
 * Asyncify sleep (the wasm stack unwinds back to us) and keep the `wakeUp` continuation; `resume(value)` writes
 * the answer and calls it, which rewinds and runs the game until it next asks for input. No promises, no timers.
 * Every other callback returns synchronously. `exit()` throws ExitSignal out of the wasm: the game is over.
 */
import type { EngineAssets } from "./assets.js";

/** Thrown by our Module.quit when NetHack calls exit(): ends the game. */
export class ExitSignal {
  constructor(readonly status: number) {}
}

/** What a callback handler returns: a value now, or PENDING to wait for the agent's next key. */
export const PENDING = Symbol("pending");
export type CallbackResult = number | string | null | typeof PENDING;

/** Receives every window-port callback of the game. `args` are decoded per the callback's format. */
export interface CallbackHandler {
  onCallback(name: string, args: Array<number | string>, game: NetHackGame): CallbackResult;
}

export interface GameStartOptions {
  /** NETHACKOPTIONS string. */
  options: string;
  /** Values returned by the first and second time() calls (core and display RNG seeds); later calls get `fixedTime`. */
  coreSeed: number;
  dispSeed: number;
  fixedTime: number;
}

type Slot = "i" | "s" | "p" | "o" | "c" | "v" | "1" | "0" | "2" | "n" | "f" | "d";

interface EmModule {
  HEAP32: Int32Array;
  HEAPU8: Uint8Array;
  Asyncify: { state: number; handleSleep(start: (wakeUp: () => void) => void): unknown };
  UTF8ToString(ptr: number, maxBytes?: number): string;
  _malloc(n: number): number;
  _free(p: number): void;
  _mapglyph(
    glyph: number,
    ochar: number,
    ocolor: number,
    ospecial: number,
    x: number,
    y: number,
    mgflags: number,
  ): number;
  [k: string]: unknown;
}

const utf8 = new TextDecoder("latin1");

export class NetHackGame {
  /** Set once the game called exit(). */
  done = false;
  exitStatus = 0;
  /** Error thrown by the game runtime (a crash), if any. */
  error: Error | undefined;
  mod!: EmModule;
  heap32!: Int32Array;
  heapU8!: Uint8Array;
  memory!: WebAssembly.Memory;
  private wakeUp: (() => void) | null = null;
  private retPtr = 0;
  private retType = "v";
  private timeCalls = 0;
  private readonly nameCache = new Map<number, string>();
  private readonly fmtCache = new Map<number, string>();
  private scratch = 0;
  readonly stderr: string[] = [];

  constructor(
    private readonly assets: EngineAssets,
    private readonly handler: CallbackHandler,
  ) {}

  /** Instantiates a fresh game and runs it until it first asks for input (or exits). */
  start(opts: GameStartOptions): void {
    this.timeCalls = 0;
    const assets = this.assets;
    const self = this;
    const M: Record<string, unknown> = {
      __nhg: {},
      __files: assets.files,
      __lc: (shimName: number, retPtr: number, fmtPtr: number, args: number) =>
        self.dispatch(shimName, retPtr, fmtPtr, args),
      __time: () => {
        const n = ++self.timeCalls;
        return n === 1 ? opts.coreSeed : n === 2 ? opts.dispSeed : opts.fixedTime;
      },
      quit: (status: number) => {
        throw new ExitSignal(status);
      },
      print: () => {},
      printErr: (s: string) => {
        if (self.stderr.length < 50) self.stderr.push(s);
      },
      locateFile: (p: string) => p,
      instantiateWasm: (
        info: { env: Record<string, unknown> },
        receive: (inst: WebAssembly.Instance) => void,
      ) => {
        // Bypass emscripten's per-import Asyncify wrapper for our dispatcher (hot path).
        info.env.local_callback = (
          _cb: number,
          shimName: number,
          retPtr: number,
          fmtPtr: number,
          args: number,
        ) => self.dispatch(shimName, retPtr, fmtPtr, args);
        const inst = new WebAssembly.Instance(assets.wasmModule, info as unknown as WebAssembly.Imports);
        self.memory = info.env.memory as WebAssembly.Memory;
        receive(inst);
        return {};
      },
      preRun: [
        () => {
          (M.ENV as Record<string, string>).NETHACKOPTIONS = opts.options;
          (M.ENV as Record<string, string>).TZ = "UTC";
        },
      ],
      onRuntimeInitialized: () => {
        self.mod = M as unknown as EmModule;
        self.heap32 = self.mod.HEAP32;
        self.heapU8 = self.mod.HEAPU8;
        // The shim routes callbacks by name to a JS global; our dispatcher ignores the name, but the C side
        // still needs one set.
        (M.ccall as (...a: unknown[]) => unknown)(
          "shim_graphics_set_callback",
          null,
          ["string"],
          ["__tedg_cb"],
          {},
        );
      },
    };
    try {
      assets.factory(M);
    } catch (e) {
      this.handleThrow(e);
    }
    if (!this.mod && !this.done) {
      throw new Error("NetHack runtime did not initialise: " + this.stderr.join(" | "));
    }
  }

  /** True when the game is waiting for input. */
  get waiting(): boolean {
    return this.wakeUp !== null && !this.done;
  }

  /** Answers the pending input request and runs the game until the next one (or exit). */
  resume(value: number | string | null): void {
    const w = this.wakeUp;
    if (!w) throw new Error("resume() without a pending input request");
    this.writeReturn(value);
    this.wakeUp = null;
    try {
      w();
    } catch (e) {
      this.handleThrow(e);
    }
  }

  private handleThrow(e: unknown): void {
    if (e instanceof ExitSignal) {
      this.done = true;
      this.exitStatus = e.status;
      this.wakeUp = null;
      return;
    }
    this.done = true;
    this.wakeUp = null;
    this.error = e instanceof Error ? e : new Error(String(e));
  }

  private cstr(ptr: number): string {
    const h = this.heapU8;
    if (!(ptr > 0 && ptr < h.length)) return "";
    let end = ptr;
    const limit = Math.min(h.length, ptr + 4096);
    while (end < limit && h[end] !== 0) end++;
    return utf8.decode(h.subarray(ptr, end));
  }

  private dispatch(shimName: number, retPtr: number, fmtPtr: number, argsPtr: number): void {
    const mod = this.mod;
    // Rewinding into the callback that slept: finish the sleep; the return value was written by resume().
    if (mod.Asyncify.state === 2) {
      mod.Asyncify.handleSleep(() => {});
      return;
    }
    let name = this.nameCache.get(shimName);
    if (name === undefined) {
      name = this.cstr(shimName);
      this.nameCache.set(shimName, name);
    }
    let fmt = this.fmtCache.get(fmtPtr);
    if (fmt === undefined) {
      fmt = this.cstr(fmtPtr);
      this.fmtCache.set(fmtPtr, fmt);
    }
    const h32 = this.heap32;
    const args: Array<number | string> = [];
    for (let i = 1; i < fmt.length; i++) {
      const slot = argsPtr + 4 * (i - 1);
      const t = fmt[i] as Slot;
      const v = h32[slot >> 2];
      switch (t) {
        case "s":
          args.push(this.cstr(v));
          break;
        case "o":
          args.push(slot);
          break;
        case "p":
          args.push(v ? h32[v >> 2] : 0);
          break;
        case "c":
        case "0":
          args.push((this.heapU8[v] << 24) >> 24);
          break;
        default:
          args.push(h32[v >> 2]);
      }
    }
    const r = this.handler.onCallback(name, args, this);
    this.retPtr = retPtr;
    this.retType = fmt[0];
    if (r === PENDING) {
      mod.Asyncify.handleSleep((wakeUp) => {
        this.wakeUp = wakeUp;
      });
      return;
    }
    this.writeReturn(r);
  }

  private writeReturn(value: number | string | null): void {
    const p = this.retPtr;
    switch (this.retType) {
      case "i":
        this.heap32[p >> 2] = typeof value === "number" ? value : 0;
        break;
      case "c":
        this.heapU8[p] = typeof value === "number" ? value & 0xff : 0;
        break;
      case "s":
        // char* results must stay NULL (the shim treats "" the same way).
        this.heap32[p >> 2] = 0;
        break;
      default:
        break;
    }
  }

  // ---- memory helpers for the window port and the environment ----

  /** A 12-byte scratch buffer in wasm memory (allocated once per game). */
  scratchPtr(): number {
    if (!this.scratch) this.scratch = this.mod._malloc(16);
    return this.scratch;
  }

  /** Calls the game's mapglyph(): [char, color, special] of a glyph at (x, y). */
  mapglyph(glyph: number, x: number, y: number, out: Int32Array): void {
    const p = this.scratchPtr();
    this.mod._mapglyph(glyph, p, p + 4, p + 8, x, y, 0);
    const i = p >> 2;
    out[0] = this.heap32[i];
    out[1] = this.heap32[i + 1];
    out[2] = this.heap32[i + 2];
  }

  readString(ptr: number): string {
    return this.cstr(ptr);
  }
}
