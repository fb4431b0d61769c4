/**
 * Runtime of our SIMD WebAssembly kernels (source: simd.wat, embedded by simd-gen.ts). The module has its own
 * memory: a kernel copies its inputs into an arena, runs, and copies its outputs out (copies are O(size),
 * the kernels O(edges × width)); so the same code serves the wasm and the cpu tensor backends.
 * tfjs-backend-wasm runs single-threaded in Node, and so do these kernels, on the same thread.
 */
import { SIMD_WASM_BASE64 } from "./simd-wasm.js";

interface SimdExports {
  memory: WebAssembly.Memory;
  exp_f32(x: number): number;
  attend_fwd(...args: number[]): void;
  attend_bwd(...args: number[]): void;
  ln_fwd(...args: number[]): void;
  ln_bwd(...args: number[]): void;
  gather_add(n: number, E: number, idx: number, table: number, out: number): void;
  scatter_add(n: number, E: number, idx: number, src: number, table: number): void;
  bmm_strided(...args: number[]): void;
  gemm_tn(m4: number, k: number, n8: number, n: number, a: number, ap: number, b: number, out: number): void;
  attend_fwd4(...args: number[]): void;
  attend_bwd4(...args: number[]): void;
  exp4_test(p: number): void;
}

const PAGE = 65536;

/** A bump allocator over the module's memory; reset before each kernel call. */
export class SimdArena {
  readonly fn: SimdExports;
  f32: Float32Array;
  i32: Int32Array;
  private top = 0;

  constructor() {
    const bytes = Buffer.from(SIMD_WASM_BASE64, "base64");
    const mod = new WebAssembly.Module(bytes);
    this.fn = new WebAssembly.Instance(mod, {}).exports as unknown as SimdExports;
    this.f32 = new Float32Array(this.fn.memory.buffer);
    this.i32 = new Int32Array(this.fn.memory.buffer);
  }

  reset(): void {
    this.top = 0;
  }

  /** Reserves n 4-byte elements (16-byte aligned) and returns the byte offset. Views are refreshed on growth. */
  alloc(n: number): number {
    const p = this.top;
    this.top = (p + n * 4 + 15) & ~15;
    const have = this.fn.memory.buffer.byteLength;
    if (this.top > have) {
      (this.fn.memory as unknown as { grow(pages: number): number }).grow(
        Math.ceil((this.top - have) / PAGE),
      );
      this.f32 = new Float32Array(this.fn.memory.buffer);
      this.i32 = new Int32Array(this.fn.memory.buffer);
    }
    return p;
  }

  putF(a: ArrayLike<number>): number {
    const p = this.alloc(a.length);
    this.f32.set(a, p >> 2);
    return p;
  }

  putI(a: ArrayLike<number>): number {
    const p = this.alloc(a.length);
    this.i32.set(a, p >> 2);
    return p;
  }

  zeros(n: number): number {
    const p = this.alloc(n);
    this.f32.fill(0, p >> 2, (p >> 2) + n);
    return p;
  }

  viewF(p: number, n: number): Float32Array {
    return this.f32.subarray(p >> 2, (p >> 2) + n);
  }
}

let arena: SimdArena | undefined;

export function simd(): SimdArena {
  arena ??= new SimdArena();
  arena.reset();
  return arena;
}
