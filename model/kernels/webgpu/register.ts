// S3-Net's kernels for TF.js's WebGPU backend: our WGSL programs, and TF.js's own matmul where one exists.
import { getKernel, type KernelConfig, type NamedAttrMap, type TensorInfo } from '@tensorflow/tfjs-core';
import {
  BATCH_NORM,
  BATCH_NORM_GRAD,
  BN_EPSILON,
  COL_SUM,
  DEFORM_CONV,
  DEFORM_CONV_GRAD,
  DEFORM_IM2COL,
  DEFORM_IM2COL_GRAD,
  DEPTHWISE,
  DEPTHWISE_BACKPROP_FILTER,
  DEPTHWISE_BACKPROP_INPUT,
  GELU,
  GELU_GRAD,
  GEMM,
  MATMUL_TN,
  SOFTMAX_XENT,
} from '../names';
import * as wg from './programs';

type KernelArgs = Parameters<KernelConfig['kernelFunc']>[0];

/** The parts of TF.js's WebGPUBackend used here (its class cannot be imported where WebGPU is absent). */
export interface WebGpuBackendInternals {
  runWebGPUProgram(program: wg.S3Program, inputs: TensorInfo[], outputDtype: 'float32' | 'int32', uniforms?: undefined, output?: TensorInfo): TensorInfo;
  makeTensorInfo(shape: number[], dtype: 'float32' | 'int32', values?: Float32Array | Int32Array): TensorInfo;
  disposeData(dataId: object, force?: boolean): boolean;
}

function must(inputs: KernelArgs['inputs'], name: string, dtype: 'float32' | 'int32' = 'float32'): TensorInfo {
  const t = inputs[name];
  if (!t) throw new Error(`missing input ${name}`);
  if (t.dtype !== dtype) throw new Error(`input ${name} must be ${dtype}, got ${t.dtype}`);
  return t;
}
function hwc(t: TensorInfo): [number, number, number] {
  const s = t.shape;
  if (s.length !== 4 || s[0] !== 1) throw new Error(`expected a [1, H, W, C] tensor, got [${s.join(', ')}]`);
  return [s[1] as number, s[2] as number, s[3] as number];
}
function rows(t: TensorInfo): [number, number] {
  if (t.shape.length !== 2) throw new Error(`expected a [P, C] tensor, got [${t.shape.join(', ')}]`);
  return [t.shape[0] as number, t.shape[1] as number];
}
function num(attrs: NamedAttrMap | undefined, key: string): number {
  const v = attrs?.[key];
  if (typeof v !== 'number') throw new Error(`attribute ${key} must be a number`);
  return v;
}

/** TF.js's own WebGPU matmul (tiled, vectorised), called as the backend's kernels call each other. */
function matMul(b: WebGpuBackendInternals, a: TensorInfo, w: TensorInfo, transposeA: boolean, transposeB: boolean): TensorInfo {
  const k = getKernel('BatchMatMul', 'webgpu');
  if (!k) throw new Error('the webgpu backend has no BatchMatMul kernel');
  return k.kernelFunc({ inputs: { a, b: w }, backend: b as never, attrs: { transposeA, transposeB } }) as TensorInfo;
}

/** The same buffer under another shape (TF.js's Reshape shares it), releasing the original reference. */
function reshape(b: WebGpuBackendInternals, x: TensorInfo, shape: number[]): TensorInfo {
  const k = getKernel('Reshape', 'webgpu');
  if (!k) throw new Error('the webgpu backend has no Reshape kernel');
  const out = k.kernelFunc({ inputs: { x }, backend: b as never, attrs: { shape } }) as TensorInfo;
  b.disposeData(x.dataId);
  return out;
}

function kernel(kernelName: string, kernelFunc: (b: WebGpuBackendInternals, inputs: KernelArgs['inputs'], attrs: NamedAttrMap | undefined) => TensorInfo | TensorInfo[]): KernelConfig {
  return { kernelName, backendName: 'webgpu', kernelFunc: ({ inputs, backend, attrs }: KernelArgs) => kernelFunc(backend as unknown as WebGpuBackendInternals, inputs, attrs) };
}

/** [dx, doffset, dmask] of the deformable sampling, from dcols [P, 9C]. */
function im2colGrad(b: WebGpuBackendInternals, x: TensorInfo, offset: TensorInfo, mask: TensorInfo, dcols: TensorInfo): TensorInfo[] {
  const [H, W, C] = hwc(x);
  // The input gradient is scattered with atomic adds: start from zeros.
  const dx = b.makeTensorInfo([1, H, W, C], 'float32', new Float32Array(H * W * C));
  b.runWebGPUProgram(wg.deformInputGrad(H, W, C), [offset, mask, dcols], 'float32', undefined, dx);
  const doffset = b.runWebGPUProgram(wg.deformSamplingGrad(H, W, C, 'offset'), [x, offset, mask, dcols], 'float32');
  const dmask = b.runWebGPUProgram(wg.deformSamplingGrad(H, W, C, 'mask'), [x, offset, mask, dcols], 'float32');
  return [dx, doffset, dmask];
}

function softmaxXent(b: WebGpuBackendInternals, logits: TensorInfo, labels: TensorInfo | undefined): TensorInfo[] {
  const [P, C] = rows(logits);
  if (labels && (labels.dtype !== 'int32' || labels.shape.length !== 1 || labels.shape[0] !== P)) {
    throw new Error('softmax cross-entropy: labels must be int32 [P]');
  }
  const argmax = b.runWebGPUProgram(wg.rowArgmax(P, C), [logits], 'int32');
  const target = labels ?? argmax;
  const lse = b.runWebGPUProgram(wg.rowLogSumExp(P, C), [logits], 'float32');
  const count = labels ? b.runWebGPUProgram(wg.labelledCount(P), [labels], 'float32') : b.makeTensorInfo([1], 'float32', Float32Array.of(P));
  const grad = b.runWebGPUProgram(wg.xentGrad(P, C), [logits, lse, target, count], 'float32');
  const loss = b.runWebGPUProgram(wg.xentLoss(P, C), [logits, lse, target, count], 'float32');
  b.disposeData(lse.dataId);
  b.disposeData(count.dataId);
  return [reshape(b, loss, []), grad, argmax];
}

export const webgpuKernels: KernelConfig[] = [
  kernel(DEPTHWISE, (b, inputs, attrs) => {
    const x = must(inputs, 'x'), filter = must(inputs, 'filter');
    const bias = inputs.bias;
    const [H, W, C] = hwc(x);
    const program = wg.depthwise(H, W, C, filter.shape[0] as number, num(attrs, 'dilation'), 1, !!bias);
    return b.runWebGPUProgram(program, bias ? [x, filter, bias] : [x, filter], 'float32');
  }),
  kernel(DEPTHWISE_BACKPROP_INPUT, (b, inputs, attrs) => {
    const dy = must(inputs, 'dy'), filter = must(inputs, 'filter');
    const [H, W, C] = hwc(dy);
    return b.runWebGPUProgram(wg.depthwise(H, W, C, filter.shape[0] as number, num(attrs, 'dilation'), -1, false), [dy, filter], 'float32');
  }),
  kernel(DEPTHWISE_BACKPROP_FILTER, (b, inputs, attrs) => {
    const x = must(inputs, 'x'), dy = must(inputs, 'dy');
    const [H, W, C] = hwc(x);
    return b.runWebGPUProgram(wg.depthwiseFilterGrad(H, W, C, num(attrs, 'kernelSize'), num(attrs, 'dilation')), [x, dy], 'float32');
  }),
  kernel(COL_SUM, (b, inputs) => {
    const x = must(inputs, 'x');
    const [P, C] = rows(x);
    return b.runWebGPUProgram(wg.colSum(P, C), [x], 'float32');
  }),
  kernel(GELU, (b, inputs) => {
    const x = must(inputs, 'x');
    return b.runWebGPUProgram(wg.gelu(x.shape), [x], 'float32');
  }),
  kernel(GELU_GRAD, (b, inputs) => {
    const x = must(inputs, 'x'), dy = must(inputs, 'dy');
    return b.runWebGPUProgram(wg.geluGrad(x.shape), [x, dy], 'float32');
  }),
  kernel(GEMM, (b, inputs) => {
    const a = must(inputs, 'a'), w = must(inputs, 'w');
    const [, K] = rows(a);
    if (K !== rows(w)[0]) throw new Error(`gemm: inner sizes ${K} and ${w.shape[0]} differ`);
    return matMul(b, a, w, false, false);
  }),
  kernel(MATMUL_TN, (b, inputs) => {
    const a = must(inputs, 'a'), bb = must(inputs, 'b');
    if (rows(a)[0] !== rows(bb)[0]) throw new Error(`matmul_tn: ${a.shape[0]} rows vs ${bb.shape[0]}`);
    return matMul(b, a, bb, true, false);
  }),
  kernel(BATCH_NORM, (b, inputs) => {
    const x = must(inputs, 'x'), gamma = must(inputs, 'gamma'), beta = must(inputs, 'beta');
    const [P, C] = rows(x);
    const mean = b.runWebGPUProgram(wg.bnMean(P, C), [x], 'float32');
    const rstd = b.runWebGPUProgram(wg.bnRstd(P, C, BN_EPSILON), [x, mean], 'float32');
    const y = b.runWebGPUProgram(wg.bnApply(P, C), [x, mean, rstd, gamma, beta], 'float32');
    return [y, mean, rstd];
  }),
  kernel(BATCH_NORM_GRAD, (b, inputs) => {
    const dy = must(inputs, 'dy'), x = must(inputs, 'x'), mean = must(inputs, 'mean');
    const rstd = must(inputs, 'rstd'), gamma = must(inputs, 'gamma');
    const [P, C] = rows(x);
    const dbeta = b.runWebGPUProgram(wg.bnParamGrad(P, C, 0), [dy], 'float32');
    const dgamma = b.runWebGPUProgram(wg.bnParamGrad(P, C, 1), [dy, x, mean, rstd], 'float32');
    const dx = b.runWebGPUProgram(wg.bnInputGrad(P, C), [dy, x, mean, rstd, gamma, dgamma, dbeta], 'float32');
    return [dx, dgamma, dbeta];
  }),
  kernel(SOFTMAX_XENT, (b, inputs) => softmaxXent(b, must(inputs, 'logits'), inputs.labels)),
  kernel(DEFORM_IM2COL, (b, inputs) => {
    const x = must(inputs, 'x'), offset = must(inputs, 'offset'), mask = must(inputs, 'mask');
    const [H, W, C] = hwc(x);
    return b.runWebGPUProgram(wg.deformIm2col(H, W, C), [x, offset, mask], 'float32');
  }),
  kernel(DEFORM_IM2COL_GRAD, (b, inputs) =>
    im2colGrad(b, must(inputs, 'x'), must(inputs, 'offset'), must(inputs, 'mask'), must(inputs, 'dcols'))),
  kernel(DEFORM_CONV, (b, inputs) => {
    // The column matrix in one piece (151 MB at 256×256×64: GPUs have the room), then TF.js's matmul.
    const x = must(inputs, 'x'), offset = must(inputs, 'offset'), mask = must(inputs, 'mask'), w = must(inputs, 'w');
    const [H, W, C] = hwc(x);
    if (w.shape[0] !== 9 * C) throw new Error(`deformable conv: weight must be [${9 * C}, Cout]`);
    const cols = b.runWebGPUProgram(wg.deformIm2col(H, W, C), [x, offset, mask], 'float32');
    const out = matMul(b, cols, w, false, false);
    b.disposeData(cols.dataId);
    return out;
  }),
  kernel(DEFORM_CONV_GRAD, (b, inputs) => {
    const x = must(inputs, 'x'), offset = must(inputs, 'offset'), mask = must(inputs, 'mask'), w = must(inputs, 'w');
    const dy = must(inputs, 'dy');
    const [H, W, C] = hwc(x);
    // Recompute the columns rather than keep them from the forward pass (as the wasm kernel does).
    const cols = b.runWebGPUProgram(wg.deformIm2col(H, W, C), [x, offset, mask], 'float32');
    const dw = matMul(b, cols, dy, true, false);
    b.disposeData(cols.dataId);
    const dcols = matMul(b, dy, w, false, true);
    const [dx, doffset, dmask] = im2colGrad(b, x, offset, mask, dcols) as [TensorInfo, TensorInfo, TensorInfo];
    b.disposeData(dcols.dataId);
    return [dx, doffset, dmask, dw];
  }),
];
