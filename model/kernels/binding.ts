// Loads s3kernels.wasm into the TF.js wasm backend's own memory, so kernels read and write tensors without copies.
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';

export interface S3Kernels {
  dw_conv(x: number, w: number, bias: number, out: number, H: number, W: number, C: number, K: number, dil: number, sign: number): void;
  dw_filter_grad(x: number, dy: number, dw: number, H: number, W: number, C: number, K: number, dil: number): void;
  conv_filter_grad(x: number, dy: number, dw: number, H: number, W: number, Ci: number, Ho: number, Wo: number, Co: number, K: number, pad: number): void;
  deform_im2col(x: number, offset: number, mask: number, cols: number, H: number, W: number, C: number): void;
  deform_im2col_grad(x: number, offset: number, mask: number, dcols: number, dx: number, doffset: number, dmask: number, H: number, W: number, C: number): void;
  segment_sum_rows(data: number, ids: number, out: number, n: number, rowLen: number, numSegments: number): void;
  col_sum(x: number, out: number, P: number, C: number): void;
  bn_forward(x: number, gamma: number, beta: number, y: number, mean: number, rstd: number, P: number, C: number, eps: number): void;
  bn_backward(dy: number, x: number, mean: number, rstd: number, gamma: number, dx: number, dgamma: number, dbeta: number, P: number, C: number): void;
  matmul_tn(a: number, b: number, out: number, P: number, M: number, N: number): void;
  deform_conv_forward(x: number, offset: number, mask: number, w: number, out: number, scratch: number, H: number, W: number, C: number, Cout: number, block: number): void;
  deform_conv_backward(x: number, offset: number, mask: number, w: number, dy: number, dx: number, doffset: number, dmask: number, dw: number, scratch: number, scratch2: number, wt: number, H: number, W: number, C: number, Cout: number, block: number): void;
  gelu_forward(x: number, y: number, n: number): void;
  gelu_backward(x: number, dy: number, dx: number, n: number): void;
  gemm(a: number, w: number, out: number, P: number, K: number, N: number): void;
  softmax_xent(logits: number, labels: number, grad: number, argmaxOut: number, P: number, C: number): number;
}

/** The parts of TF.js's BackendWasm this module relies on (not in its public typings). */
export interface WasmBackendInternals {
  wasm: { asm: { memory: WebAssembly.Memory }; _malloc(bytes: number): number; _free(ptr: number): void; HEAPU8: Uint8Array };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: 'float32' | 'int32'): { dataId: object; shape: number[]; dtype: 'float32' | 'int32' };
  typedArrayFromHeap(t: { dataId: object; shape: number[]; dtype: string }): Float32Array | Int32Array;
}

const STACK_BYTES = 64 * 1024;
const instances = new WeakMap<object, S3Kernels>();
let compiled: { module: WebAssembly.Module; variant: KernelVariant } | undefined;

export type KernelVariant = 'relaxed-simd' | 'simd';

/**
 * The relaxed-SIMD build (fused multiply-add) where the runtime accepts it, else plain SIMD. Node 20's V8 has relaxed
 * SIMD behind a flag, which we turn on (process-wide, harmless); Node ≥ 22 and Electron have it on by default.
 * S3A_KERNELS=simd forces the plain build (tests run both).
 */
let provided: { relaxed: BufferSource; simd: BufferSource } | undefined;

/** Where files cannot be read (a browser page), the two builds' bytes, fetched by the page; before first use. */
export function provideKernelBinaries(binaries: { relaxed: BufferSource; simd: BufferSource }): void {
  provided = binaries;
}

const readBuild = (name: 'relaxed' | 'simd'): BufferSource =>
  provided?.[name] ?? (readFileSync(new URL(name === 'relaxed' ? './wasm/s3kernels-relaxed.wasm' : './wasm/s3kernels.wasm', import.meta.url)) as BufferSource);

function kernelModule(): { module: WebAssembly.Module; variant: KernelVariant } {
  if (compiled) return compiled;
  if (typeof process === 'undefined' || process.env.S3A_KERNELS !== 'simd') {
    const relaxed = readBuild('relaxed');
    if (!WebAssembly.validate(relaxed)) setFlagsFromString('--experimental-wasm-relaxed-simd');
    if (WebAssembly.validate(relaxed)) compiled = { module: new WebAssembly.Module(relaxed), variant: 'relaxed-simd' };
  }
  compiled ??= { module: new WebAssembly.Module(readBuild('simd')), variant: 'simd' };
  return compiled;
}

export function kernelVariant(): KernelVariant {
  return kernelModule().variant;
}

/** The kernels bound to one wasm backend instance (created on first use, then cached). */
export function kernelsFor(backend: WasmBackendInternals): S3Kernels {
  const cached = instances.get(backend.wasm);
  if (cached) return cached;
  const instance = new WebAssembly.Instance(kernelModule().module, { env: { memory: backend.wasm.asm.memory, log: Math.log } });
  // The module never spills to its stack today; give it a private block anyway so a future spill cannot land on
  // memory TF.js owns.
  const stackBase = backend.wasm._malloc(STACK_BYTES);
  (instance.exports.__stack_pointer as WebAssembly.Global).value = stackBase + STACK_BYTES;
  const kernels = instance.exports as unknown as S3Kernels;
  instances.set(backend.wasm, kernels);
  return kernels;
}

export function heapOffset(backend: WasmBackendInternals, t: { dataId: object }): number {
  const data = backend.dataIdMap.get(t.dataId);
  if (!data) throw new Error('s3kernels: tensor is not on the wasm backend');
  return data.memoryOffset;
}

/** Runs f with temporary wasm-heap blocks of the given sizes (bytes), freed afterwards even if f throws. */
export function withScratch<T>(backend: WasmBackendInternals, sizes: number[], f: (...ptrs: number[]) => T): T {
  const ptrs: number[] = [];
  try {
    for (const bytes of sizes) {
      const p = backend.wasm._malloc(bytes);
      if (!p) throw new Error(`s3kernels: could not allocate ${bytes} bytes of scratch`);
      ptrs.push(p);
    }
    return f(...ptrs);
  } finally {
    ptrs.forEach((p) => backend.wasm._free(p));
  }
}
