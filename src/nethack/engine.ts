/**
 * Synchronous driver of one NetHack game inside the (patched) emscripten runtime.
 *
 * The game asks for input through Asyncify-instrumented callbacks. When a callback needs a key, we start an
 * Asyncify unwind (the wasm stack unwinds back to us); `resume(value)` writes the answer and rewinds into
 * `main`, which runs the game until it next asks for input. No promises, no timers. Every other callback
 * returns synchronously. `exit()` throws ExitSignal out of the wasm: the game is over.
 *
 * The sleep/wake protocol is the one of emscripten's `Asyncify.handleSleep` (same state transitions, same
 * malloc/free of the 4 KB unwind buffer, so the game's heap evolves identically), but it calls the raw wasm
 * exports instead of going through the glue's per-call wrappers, which cost more than the callbacks themselves.
 */
import type { EngineAssets } from "./assets.js";

/** Thrown by our Module.quit when NetHack calls exit(): ends the game. */
export class ExitSignal {
  constructor(readonly status: number) {}
}

/** What a callback handler returns: a value now, or PENDING to wait for the agent's next key. */
export const PENDING = Symbol("pending");
export type CallbackResult = number | string | null | typeof PENDING;

/**
 * Receives every window-port callback of the game. `args` are decoded per the callback's format; the array is
 * reused between callbacks, so read it during the call only.
 */
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

/** The raw (unwrapped) wasm exports the driver calls. */
interface RawExports {
  main(argc: number, argv: number): number;
  malloc(n: number): number;
  free(p: number): void;
  mapglyph(
    glyph: number,
    ochar: number,
    ocolor: number,
    ospecial: number,
    x: number,
    y: number,
    mgflags: number,
  ): number;
  asyncify_start_unwind(data: number): void;
  asyncify_stop_unwind(): void;
  asyncify_start_rewind(data: number): void;
  asyncify_stop_rewind(): void;
}

/** The glue's Asyncify bookkeeping: its wrappers read `state` and `currData`, so we keep them current. */
interface GlueAsyncify {
  state: number;
  currData: number | null;
  getCallStackId(funcName: string): number;
}

interface EmModule {
  HEAP32: Int32Array;
  HEAPU8: Uint8Array;
  Asyncify: GlueAsyncify;
  UTF8ToString(ptr: number, maxBytes?: number): string;
  _malloc(n: number): number;
  _free(p: number): void;
  [k: string]: unknown;
}

const NORMAL = 0;
const UNWINDING = 1;
const REWINDING = 2;
/** emscripten's Asyncify.StackSize: the unwind buffer holds a 12-byte header plus this much saved state. */
const ASYNCIFY_STACK = 4096;

/** Embedded data files the game never writes (record, perm, logfile and xlogfile are written). */
const READ_ONLY_FILES = new Set(["nhdat", "license", "sysconf", "symbols"]);
type CreateDataFile = (
  parent: string,
  name: string,
  data: Uint8Array,
  canRead: boolean,
  canWrite: boolean,
  canOwn: boolean,
) => unknown;

/** Argument kinds of the shim's format strings, as small integers for the hot loop. */
const ARG_INT = 0;
const ARG_STR = 1;
const ARG_SLOT = 2;
const ARG_DEREF = 3;
const ARG_CHAR = 4;

/** A callback's name and decoded format, cached per name pointer (each shim passes constant strings). */
interface CallbackInfo {
  name: string;
  retType: string;
  argKinds: Uint8Array;
}

const latin1 = new TextDecoder("latin1");

/**
 * The shim's callback names as string literals: handlers switch on the name, and comparing against the same
 * (internalized) string object is a pointer check, where a freshly decoded copy would be compared char by char.
 */
const CALLBACK_NAMES = new Map(
  [
    "shim_init_nhwindows",
    "shim_player_selection",
    "shim_askname",
    "shim_get_nh_event",
    "shim_exit_nhwindows",
    "shim_suspend_nhwindows",
    "shim_resume_nhwindows",
    "shim_create_nhwindow",
    "shim_clear_nhwindow",
    "shim_display_nhwindow",
    "shim_destroy_nhwindow",
    "shim_curs",
    "shim_putstr",
    "shim_putmixed",
    "shim_display_file",
    "shim_start_menu",
    "shim_add_menu",
    "shim_end_menu",
    "shim_select_menu",
    "shim_message_menu",
    "shim_update_inventory",
    "shim_mark_synch",
    "shim_wait_synch",
    "shim_cliparound",
    "shim_update_positionbar",
    "shim_print_glyph",
    "shim_raw_print",
    "shim_raw_print_bold",
    "shim_nhgetch",
    "shim_nh_poskey",
    "shim_nhbell",
    "shim_doprev_message",
    "shim_yn_function",
    "shim_getlin",
    "shim_get_ext_cmd",
    "shim_number_pad",
    "shim_delay_output",
    "shim_start_screen",
    "shim_end_screen",
    "shim_outrip",
    "shim_preference_update",
    "shim_getmsghistory",
    "shim_putmsghistory",
    "shim_status_init",
    "shim_status_finish",
    "shim_status_enablefield",
    "shim_status_update",
    "shim_can_suspend",
    "shim_get_color_string",
  ].map((n) => [n, n]),
);

/**
 * Decodes a short C string without TextDecoder's per-call overhead (most strings here are a few bytes). Only
 * for ASCII: the "latin1" decoder is really windows-1252, which differs from char codes for 0x80–0x9f.
 */
function shortLatin1(h: Uint8Array, ptr: number, end: number): string {
  let s = "";
  for (let i = ptr; i < end; i++) {
    const c = h[i];
    if (c >= 0x80) return latin1.decode(h.subarray(ptr, end));
    s += String.fromCharCode(c);
  }
  return s;
}

function argKind(c: string): number {
  switch (c) {
    case "s":
      return ARG_STR;
    case "o":
      return ARG_SLOT;
    case "p":
      return ARG_DEREF;
    case "c":
    case "0":
      return ARG_CHAR;
    default:
      return ARG_INT;
  }
}

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
  private raw!: RawExports;
  private asyncify!: GlueAsyncify;
  private mainCallStackId = 0;
  private sleeping = false;
  private retPtr = 0;
  private retType = "v";
  private timeCalls = 0;
  private readonly callbacks = new Map<number, CallbackInfo>();
  private readonly args: Array<number | string> = new Array<number | string>(16).fill(0);
  private scratch = 0;
  readonly stderr: string[] = [];

  constructor(
    private readonly assets: EngineAssets,
    private readonly handler: CallbackHandler,
  ) {}

  /**
   * Instantiates a fresh game and runs it until it first asks for input (or exits).
   * (Reusing a finished game's memory was tried: it saves 20–30 % of a reset's CPU, but dead instances then wait
   * longer for a full GC, since no new 16 MB memory pushes the collector, and RSS grew by ~450 MB.)
   */
  start(opts: GameStartOptions): void {
    this.timeCalls = 0;
    const assets = this.assets;
    const M: Record<string, unknown> = {
      __nhg: {},
      __files: assets.files,
      __lc: (shimName: number, retPtr: number, fmtPtr: number, args: number) =>
        this.dispatch(shimName, retPtr, fmtPtr, args),
      __time: () => {
        const n = ++this.timeCalls;
        return n === 1 ? opts.coreSeed : n === 2 ? opts.dispSeed : opts.fixedTime;
      },
      quit: (status: number) => {
        throw new ExitSignal(status);
      },
      // The glue would pass this process's command-line arguments to NetHack's main(); a game started from a
      // CLI with arguments then prints an extra start-up message and its first observation differs from the
      // same seed in a worker. NetHack gets no arguments, wherever it runs.
      arguments: [],
      print: () => {},
      printErr: (s: string) => {
        if (this.stderr.length < 50) this.stderr.push(s);
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
        ) => this.dispatch(shimName, retPtr, fmtPtr, args);
        const inst = new WebAssembly.Instance(assets.wasmModule, info as unknown as WebAssembly.Imports);
        this.memory = info.env.memory as WebAssembly.Memory;
        this.raw = inst.exports as unknown as RawExports;
        receive(inst);
        return {};
      },
      preRun: [
        () => {
          (M.ENV as Record<string, string>).NETHACKOPTIONS = opts.options;
          (M.ENV as Record<string, string>).TZ = "UTC";
          // The game only reads these data files: every game's file system shares the bytes instead of
          // getting a copy (1.3 MB of garbage per game otherwise). This hook runs before the glue's own.
          const create = M.FS_createDataFile as CreateDataFile;
          M.FS_createDataFile = ((parent, name, data, canRead, canWrite, canOwn) =>
            create(
              parent,
              name,
              data,
              canRead,
              canWrite,
              canOwn || READ_ONLY_FILES.has(name),
            )) as CreateDataFile;
        },
      ],
      onRuntimeInitialized: () => {
        this.mod = M as unknown as EmModule;
        this.heap32 = this.mod.HEAP32;
        this.heapU8 = this.mod.HEAPU8;
        this.asyncify = this.mod.Asyncify;
        // The shim routes callbacks by name to a JS global; our dispatcher ignores the name, but the C side
        // still needs one set.
        (M.ccall as (...a: unknown[]) => unknown)(
          "shim_graphics_set_callback",
          null,
          ["string"],
          ["__tedg_cb"],
          {},
        );
        // The unwind buffer records which export to rewind into: always main (emscripten stores its id).
        this.mainCallStackId = this.asyncify.getCallStackId("main");
      },
    };
    // Game start-up probes many missing files; the glue builds each ENOENT error with a captured stack trace.
    const stackLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      // The first unwind happens inside the glue's wrapped main(), whose epilogue stops it.
      assets.factory(M);
    } catch (e) {
      this.handleThrow(e);
    } finally {
      Error.stackTraceLimit = stackLimit;
    }
    if (!this.mod && !this.done) {
      throw new Error("NetHack runtime did not initialise: " + this.stderr.join(" | "));
    }
  }

  /** True when the game is waiting for input. */
  get waiting(): boolean {
    return this.sleeping && !this.done;
  }

  /** Answers the pending input request and runs the game until the next one (or exit). */
  resume(value: number | string | null): void {
    if (!this.sleeping || this.done) throw new Error("resume() without a pending input request");
    this.writeReturn(value);
    this.sleeping = false;
    const A = this.asyncify;
    const x = this.raw;
    try {
      A.state = REWINDING;
      x.asyncify_start_rewind(A.currData!);
      // Rewinding re-enters main() down to the sleeping callback (see dispatch), then the game runs on.
      x.main(0, 0);
      if (A.state === UNWINDING) {
        // The game asked for input again and the stack has unwound back to us.
        A.state = NORMAL;
        x.asyncify_stop_unwind();
      }
    } catch (e) {
      this.handleThrow(e);
    }
  }

  private handleThrow(e: unknown): void {
    this.done = true;
    this.sleeping = false;
    if (e instanceof ExitSignal) {
      this.exitStatus = e.status;
      return;
    }
    this.error = e instanceof Error ? e : new Error(String(e));
  }

  private cstr(ptr: number): string {
    const h = this.heapU8;
    if (!(ptr > 0 && ptr < h.length)) return "";
    let end = ptr;
    const limit = Math.min(h.length, ptr + 4096);
    while (end < limit && h[end] !== 0) end++;
    return end - ptr <= 24 ? shortLatin1(h, ptr, end) : latin1.decode(h.subarray(ptr, end));
  }

  private callbackInfo(shimName: number, fmtPtr: number): CallbackInfo {
    let info = this.callbacks.get(shimName);
    if (info === undefined) {
      const fmt = this.cstr(fmtPtr);
      const kinds = new Uint8Array(Math.max(0, fmt.length - 1));
      for (let i = 1; i < fmt.length; i++) kinds[i - 1] = argKind(fmt[i]);
      const name = this.cstr(shimName);
      info = { name: CALLBACK_NAMES.get(name) ?? name, retType: fmt[0] ?? "v", argKinds: kinds };
      this.callbacks.set(shimName, info);
    }
    return info;
  }

  private dispatch(shimName: number, retPtr: number, fmtPtr: number, argsPtr: number): void {
    const A = this.asyncify;
    if (A.state === REWINDING) {
      // Rewound into the callback that slept: finish the rewind. resume() already wrote the return value.
      A.state = NORMAL;
      this.raw.asyncify_stop_rewind();
      this.raw.free(A.currData!);
      A.currData = null;
      return;
    }
    const info = this.callbackInfo(shimName, fmtPtr);
    const kinds = info.argKinds;
    const h32 = this.heap32;
    const args = this.args; // reused; entries past this callback's arity are stale
    for (let i = 0; i < kinds.length; i++) {
      const slot = argsPtr + 4 * i;
      const v = h32[slot >> 2];
      switch (kinds[i]) {
        case ARG_INT:
          args[i] = h32[v >> 2];
          break;
        case ARG_STR:
          args[i] = this.cstr(v);
          break;
        case ARG_SLOT:
          args[i] = slot;
          break;
        case ARG_DEREF:
          args[i] = v ? h32[v >> 2] : 0;
          break;
        default:
          args[i] = (this.heapU8[v] << 24) >> 24;
      }
    }
    const r = this.handler.onCallback(info.name, args, this);
    this.retPtr = retPtr;
    this.retType = info.retType;
    if (r === PENDING) {
      this.sleep();
      return;
    }
    this.writeReturn(r);
  }

  /** Starts an Asyncify unwind out of the current callback (emscripten's handleSleep, minus the wrappers). */
  private sleep(): void {
    const A = this.asyncify;
    const x = this.raw;
    const data = x.malloc(12 + ASYNCIFY_STACK);
    const h32 = this.heap32;
    h32[data >> 2] = data + 12;
    h32[(data + 4) >> 2] = data + 12 + ASYNCIFY_STACK;
    h32[(data + 8) >> 2] = this.mainCallStackId;
    this.sleeping = true;
    A.state = UNWINDING;
    A.currData = data;
    x.asyncify_start_unwind(data);
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

  /** malloc() in the game's heap (the game frees what it is handed, e.g. menu selections). */
  malloc(n: number): number {
    return this.raw.malloc(n);
  }

  /** A 12-byte scratch buffer in wasm memory (allocated once per game). */
  scratchPtr(): number {
    if (!this.scratch) this.scratch = this.raw.malloc(16);
    return this.scratch;
  }

  /** Calls the game's mapglyph(): [char, color, special] of a glyph at (x, y). */
  mapglyph(glyph: number, x: number, y: number, out: Int32Array): void {
    const p = this.scratchPtr();
    this.raw.mapglyph(glyph, p, p + 4, p + 8, x, y, 0);
    const i = p >> 2;
    out[0] = this.heap32[i];
    out[1] = this.heap32[i + 1];
    out[2] = this.heap32[i + 2];
  }

  readString(ptr: number): string {
    return this.cstr(ptr);
  }
}
