// Registers S3-Net's custom kernels (wasm SIMD, and WGSL for WebGPU) and the gradient kernels TF.js's wasm backend lacks.
import { tf } from '../tf';
import type { KernelConfig, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import { heapOffset, kernelsFor, withScratch, type WasmBackendInternals } from './binding';

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
} from './names';
import { webgpuKernels } from './webgpu/register';

export * from './names';
/** Rows of the deformable convolution's column matrix processed at once (2048 × 9·64 floats = 4.7 MB). */
const DEFORM_BLOCK_ROWS = 2048;

type KernelArgs = Parameters<KernelConfig['kernelFunc']>[0];

function must(inputs: KernelArgs['inputs'], name: string): TensorInfo {
  const t = inputs[name];
  if (!t) throw new Error(`missing input ${name}`);
  if (t.dtype !== 'float32' && name !== 'segmentIds') throw new Error(`input ${name} must be float32, got ${t.dtype}`);
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
function zeros(b: WasmBackendInternals, shape: number[]): TensorInfo {
  const out = b.makeOutput(shape, 'float32');
  b.typedArrayFromHeap(out).fill(0);
  return out;
}
function num(attrs: NamedAttrMap | undefined, key: string): number {
  const v = attrs?.[key];
  if (typeof v !== 'number') throw new Error(`attribute ${key} must be a number`);
  return v;
}

const wasmKernels: KernelConfig[] = [
  {
    kernelName: DEPTHWISE,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }: KernelArgs) => {
      const b = backend as unknown as WasmBackendInternals;
      const x = must(inputs, 'x'), filter = must(inputs, 'filter');
      const bias = inputs.bias;
      const [H, W, C] = hwc(x);
      const K = filter.shape[0] as number;
      const out = b.makeOutput([1, H, W, C], 'float32');
      const p = (t: TensorInfo) => heapOffset(b, t);
      kernelsFor(b).dw_conv(p(x), p(filter), bias ? p(bias) : 0, p(out), H, W, C, K, num(attrs, 'dilation'), 1);
      return out;
    },
  },
  {
    kernelName: DEPTHWISE_BACKPROP_INPUT,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }: KernelArgs) => {
      const b = backend as unknown as WasmBackendInternals;
      const dy = must(inputs, 'dy'), filter = must(inputs, 'filter');
      const [H, W, C] = hwc(dy);
      const out = b.makeOutput([1, H, W, C], 'float32');
      const p = (t: TensorInfo) => heapOffset(b, t);
      kernelsFor(b).dw_conv(p(dy), p(filter), 0, p(out), H, W, C, filter.shape[0] as number, num(attrs, 'dilation'), -1);
      return out;
    },
  },
  {
    kernelName: DEPTHWISE_BACKPROP_FILTER,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }: KernelArgs) => {
      const b = backend as unknown as WasmBackendInternals;
      const x = must(inputs, 'x'), dy = must(inputs, 'dy');
      const [H, W, C] = hwc(x);
      const K = num(attrs, 'kernelSize');
      const out = zeros(b, [K, K, C]);
      const p = (t: TensorInfo) => heapOffset(b, t);
      kernelsFor(b).dw_filter_grad(p(x), p(dy), p(out), H, W, C, K, num(attrs, 'dilation'));
      return out;
    },
  },
  {
    kernelName: DEFORM_IM2COL,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend }: KernelArgs) => {
      const b = backend as unknown as WasmBackendInternals;
      const x = must(inputs, 'x'), offset = must(inputs, 'offset'), mask = must(inputs, 'mask');
      const [H, W, C] = hwc(x);
      const cols = b.makeOutput([H * W, 9 * C], 'float32');
      const p = (t: TensorInfo) => heapOffset(b, t);
      kernelsFor(b).deform_im2col(p(x), p(offset), p(mask), p(cols), H, W, C);
      return cols;
    },
  },
  {
    kernelName: DEFORM_IM2COL_GRAD,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend }: KernelArgs) => {
      const b = backend as unknown as WasmBackendInternals;
      const x = must(inputs, 'x'), offset = must(inputs, 'offset'), mask = must(inputs, 'mask');
      const dcols = must(inputs, 'dcols');
      const [H, W, C] = hwc(x);
      const dx = zeros(b, [1, H, W, C]);
      const doffset = b.makeOutput([1, H, W, 18], 'float32');
      const dmask = b.makeOutput([1, H, W, 9], 'float32');
      const p = (t: TensorInfo) => heapOffset(b, t);
      kernelsFor(b).deform_im2col_grad(p(x), p(offset), p(mask), p(dcols), p(dx), p(doffset), p(dmask), H, W, C);
      return [dx, doffset, dmask];
    },
  },
  {
    kernelName: COL_SUM,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend }: KernelArgs) => {
      const b = backend as unknown as WasmBackendInternals;
      const x = must(inputs, 'x');
      const [P, C] = rows(x);
      const out = b.makeOutput([C], 'float32');
      kernelsFor(b).col_sum(heapOffset(b, x), heapOffset(b, out), P, C);
      return out;
    },
  },
  {
    kernelName: DEFORM_CONV,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend }: KernelArgs) => {
      const b = backend as unknown as WasmBackendInternals;
      const x = must(inputs, 'x'), offset = must(inputs, 'offset'), mask = must(inputs, 'mask'), w = must(inputs, 'w');
      const [H, W, C] = hwc(x);
      const Cout = w.shape[1] as number;
      if (w.shape[0] !== 9 * C) throw new Error(`deformable conv: weight must be [${9 * C}, Cout]`);
      const out = b.makeOutput([H * W, Cout], 'float32');
      const p = (t: TensorInfo) => heapOffset(b, t);
      const block = Math.min(DEFORM_BLOCK_ROWS, H * W);
      withScratch(b, [block * 9 * C * 4], (scratch) =>
        kernelsFor(b).deform_conv_forward(p(x), p(offset), p(mask), p(w), p(out), scratch as number, H, W, C, Cout, block),
      );
      return out;
    },
  },
  {
    kernelName: DEFORM_CONV_GRAD,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend }: KernelArgs) => {
      const b = backend as unknown as WasmBackendInternals;
      const x = must(inputs, 'x'), offset = must(inputs, 'offset'), mask = must(inputs, 'mask'), w = must(inputs, 'w');
      const dy = must(inputs, 'dy');
      const [H, W, C] = hwc(x);
      const Cout = w.shape[1] as number;
      const dx = b.makeOutput([1, H, W, C], 'float32');
      const doffset = b.makeOutput([1, H, W, 18], 'float32');
      const dmask = b.makeOutput([1, H, W, 9], 'float32');
      const dw = b.makeOutput([9 * C, Cout], 'float32');
      const p = (t: TensorInfo) => heapOffset(b, t);
      const block = Math.min(DEFORM_BLOCK_ROWS, H * W);
      withScratch(b, [block * 9 * C * 4, block * 9 * C * 4, 9 * C * Cout * 4], (s1, s2, wt) =>
        kernelsFor(b).deform_conv_backward(p(x), p(offset), p(mask), p(w), p(dy), p(dx), p(doffset), p(dmask), p(dw), s1 as number, s2 as number, wt as number, H, W, C, Cout, block),
      );
      return [dx, doffset, dmask, dw];
    },
  },
  {
    kernelName: GELU,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend }: KernelArgs) => {
      const b = backend as unknown as WasmBackendInternals;
      const x = must(inputs, 'x');
      const out = b.makeOutput(x.shape, 'float32');
      kernelsFor(b).gelu_forward(heapOffset(b, x), heapOffset(b, out), x.shape.reduce((a, d) => a * d, 1));
      return out;
    },
  },
  {
    kernelName: GELU_GRAD,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend }: KernelArgs) => {
      const b = backend as unknown as WasmBackendInternals;
      const x = must(inputs, 'x'), dy = must(inputs, 'dy');
      const out = b.makeOutput(x.shape, 'float32');
      kernelsFor(b).gelu_backward(heapOffset(b, x), heapOffset(b, dy), heapOffset(b, out), x.shape.reduce((a, d) => a * d, 1));
      return out;
    },
  },
  {
    // a·w for [P, K]·[K, N]: our register-tiled kernel, fused multiply-add where relaxed SIMD is available
    // (measured 2–4× faster than TF.js's wasm matMul at these shapes).
    kernelName: GEMM,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend }: KernelArgs) => {
      const b = backend as unknown as WasmBackendInternals;
      const a = must(inputs, 'a'), w = must(inputs, 'w');
      const [P, K] = rows(a);
      const [K2, N] = rows(w);
      if (K !== K2) throw new Error(`gemm: inner sizes ${K} and ${K2} differ`);
      const out = b.makeOutput([P, N], 'float32');
      kernelsFor(b).gemm(heapOffset(b, a), heapOffset(b, w), heapOffset(b, out), P, K, N);
      return out;
    },
  },
  {
    kernelName: MATMUL_TN,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend }: KernelArgs) => {
      const b = backend as unknown as WasmBackendInternals;
      const a = must(inputs, 'a'), bb = must(inputs, 'b');
      const [P, M] = rows(a);
      const [P2, N] = rows(bb);
      if (P !== P2) throw new Error(`matmul_tn: ${P} rows vs ${P2}`);
      const out = b.makeOutput([M, N], 'float32');
      kernelsFor(b).matmul_tn(heapOffset(b, a), heapOffset(b, bb), heapOffset(b, out), P, M, N);
      return out;
    },
  },
  {
    // TF.js's wasm Identity copies the buffer, and the engine clones every tensor it saves for a gradient: each
    // saved activation would exist twice. Tensors are immutable, so share the buffer as the cpu backend does.
    kernelName: 'Identity',
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend }: KernelArgs) => {
      const x = inputs.x as TensorInfo;
      (backend as unknown as { incRef(dataId: object): void }).incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    },
  },
  {
    kernelName: BATCH_NORM,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend }: KernelArgs) => {
      const b = backend as unknown as WasmBackendInternals;
      const x = must(inputs, 'x'), gamma = must(inputs, 'gamma'), beta = must(inputs, 'beta');
      const [P, C] = rows(x);
      const y = b.makeOutput([P, C], 'float32'), mean = b.makeOutput([C], 'float32'), rstd = b.makeOutput([C], 'float32');
      const p = (t: TensorInfo) => heapOffset(b, t);
      kernelsFor(b).bn_forward(p(x), p(gamma), p(beta), p(y), p(mean), p(rstd), P, C, BN_EPSILON);
      return [y, mean, rstd];
    },
  },
  {
    kernelName: BATCH_NORM_GRAD,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend }: KernelArgs) => {
      const b = backend as unknown as WasmBackendInternals;
      const dy = must(inputs, 'dy'), x = must(inputs, 'x'), mean = must(inputs, 'mean');
      const rstd = must(inputs, 'rstd'), gamma = must(inputs, 'gamma');
      const [P, C] = rows(x);
      const dx = b.makeOutput([P, C], 'float32'), dgamma = b.makeOutput([C], 'float32'), dbeta = b.makeOutput([C], 'float32');
      const p = (t: TensorInfo) => heapOffset(b, t);
      kernelsFor(b).bn_backward(p(dy), p(x), p(mean), p(rstd), p(gamma), p(dx), p(dgamma), p(dbeta), P, C);
      return [dx, dgamma, dbeta];
    },
  },
  {
    kernelName: SOFTMAX_XENT,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend }: KernelArgs) => {
      const b = backend as unknown as WasmBackendInternals;
      const logits = must(inputs, 'logits');
      const labels = inputs.labels;
      const [P, C] = rows(logits);
      if (labels && (labels.dtype !== 'int32' || labels.shape.length !== 1 || labels.shape[0] !== P)) {
        throw new Error('softmax cross-entropy: labels must be int32 [P]');
      }
      const grad = b.makeOutput([P, C], 'float32'), argmax = b.makeOutput([P], 'int32');
      const p = (t: TensorInfo) => heapOffset(b, t);
      const loss = kernelsFor(b).softmax_xent(p(logits), labels ? p(labels) : 0, p(grad), p(argmax), P, C);
      return [b.makeOutput([], 'float32'), grad, argmax].map((t, i) => {
        if (i === 0) b.typedArrayFromHeap(t).set([loss]);
        return t;
      });
    },
  },
  {
    // TF.js's wasm backend has Conv2D and Conv2DBackpropInput but no filter gradient.
    kernelName: 'Conv2DBackpropFilter',
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }: KernelArgs) => {
      const b = backend as unknown as WasmBackendInternals;
      const x = must(inputs, 'x'), dy = must(inputs, 'dy');
      const filterShape = attrs?.filterShape as number[];
      const [K, K2, Ci, Co] = filterShape as [number, number, number, number];
      const strides = attrs?.strides;
      const stride1 = strides === 1 || (Array.isArray(strides) && strides.every((s) => s === 1));
      if (K !== K2 || !stride1 || (attrs?.dataFormat ?? 'NHWC') !== 'NHWC') {
        throw new Error('Conv2DBackpropFilter (wasm): only square kernels, stride 1, NHWC are supported');
      }
      const pad = attrs?.pad;
      let padding: number;
      if (pad === 'same') {
        if (K % 2 === 0) throw new Error('Conv2DBackpropFilter (wasm): "same" needs an odd kernel');
        padding = (K - 1) / 2;
      } else if (pad === 'valid') padding = 0;
      else if (typeof pad === 'number') padding = pad;
      else throw new Error(`Conv2DBackpropFilter (wasm): unsupported pad ${String(pad)}`);
      const [N, H, W] = x.shape as [number, number, number, number];
      const [, Ho, Wo] = dy.shape as [number, number, number, number];
      const out = zeros(b, [K, K, Ci, Co]);
      const k = kernelsFor(b);
      const xs = heapOffset(b, x), ds = heapOffset(b, dy), o = heapOffset(b, out);
      for (let n = 0; n < N; n++) {
        k.conv_filter_grad(xs + n * H * W * Ci * 4, ds + n * Ho * Wo * Co * 4, o, H, W, Ci, Ho, Wo, Co, K, padding);
      }
      return out;
    },
  },
  {
    // The gradient of gather; the wasm backend lacks it.
    kernelName: 'UnsortedSegmentSum',
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }: KernelArgs) => {
      const b = backend as unknown as WasmBackendInternals;
      const x = must(inputs, 'x'), ids = must(inputs, 'segmentIds');
      const numSegments = num(attrs, 'numSegments');
      if (ids.shape.length !== 1 || ids.shape[0] !== x.shape[0] || ids.dtype !== 'int32') {
        throw new Error('UnsortedSegmentSum (wasm): segmentIds must be int32 and index the first axis of x');
      }
      const rowLen = x.shape.slice(1).reduce((a, d) => a * d, 1);
      const out = zeros(b, [numSegments, ...x.shape.slice(1)]);
      kernelsFor(b).segment_sum_rows(heapOffset(b, x), heapOffset(b, ids), heapOffset(b, out), x.shape[0] as number, rowLen, numSegments);
      return out;
    },
  },
];

/**
 * The cpu backend's UnsortedSegmentSum builds a mask per segment (time ∝ segments × rows); the gather gradient of
 * a 32×32 deformable layer took 100 s. This one adds each row once. Checked against TF.js's own kernel in tests.
 */
export const linearSegmentSumCpu: KernelConfig = {
  kernelName: 'UnsortedSegmentSum',
  backendName: 'cpu',
  kernelFunc: ({ inputs, backend, attrs }: KernelArgs) => {
    const cpu = backend as unknown as {
      data: { get(id: object): { values: Float32Array | Int32Array } };
      makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): TensorInfo;
    };
    const x = inputs.x as TensorInfo, ids = inputs.segmentIds as TensorInfo;
    const numSegments = num(attrs, 'numSegments');
    if (ids.shape.length !== 1 || ids.shape[0] !== x.shape[0]) throw new Error('UnsortedSegmentSum: segmentIds must index the first axis');
    const rowLen = x.shape.slice(1).reduce((a, d) => a * d, 1);
    const xv = cpu.data.get(x.dataId).values, iv = cpu.data.get(ids.dataId).values;
    const out = new Float32Array(numSegments * rowLen);
    for (let i = 0; i < iv.length; i++) {
      const s = iv[i] as number;
      if (s < 0 || s >= numSegments) continue;
      for (let j = 0; j < rowLen; j++) out[s * rowLen + j] = (out[s * rowLen + j] as number) + (xv[i * rowLen + j] as number);
    }
    return cpu.makeTensorInfo([numSegments, ...x.shape.slice(1)], 'float32', out);
  },
};

/** The backends' own kernels we replaced, by "backend/name" (tests compare against them). */
export const replacedKernels = new Map<string, KernelConfig>();

let registered = false;

/** Registers the wasm and WebGPU kernels once per process (each is looked up only when its backend runs). */
export function registerS3Kernels(): void {
  if (registered) return;
  registered = true;
  for (const k of [...wasmKernels, ...webgpuKernels, linearSegmentSumCpu]) {
    // Our Identity (wasm) and segment sum (cpu) replace the backends' own; every other name is new.
    const replaces = (k.kernelName === 'Identity' && k.backendName === 'wasm') || (k.kernelName === 'UnsortedSegmentSum' && k.backendName === 'cpu');
    const own = tf.getKernel(k.kernelName, k.backendName);
    if (replaces && own) {
      replacedKernels.set(`${k.backendName}/${k.kernelName}`, own);
      tf.unregisterKernel(k.kernelName, k.backendName);
    }
    if (!tf.getKernel(k.kernelName, k.backendName)) tf.registerKernel(k);
  }
  tf.registerGradient({
    kernelName: DEPTHWISE,
    inputsToSave: ['x', 'filter'],
    gradFunc: (dy, saved, attrs) => {
      const [x, filter] = saved as [tf.Tensor4D, tf.Tensor3D];
      const g = dy as tf.Tensor4D;
      const dilation = attrs.dilation as number;
      const kernelSize = filter.shape[0];
      return {
        x: () => tf.engine().runKernel(DEPTHWISE_BACKPROP_INPUT, { dy: g, filter }, { dilation }) as tf.Tensor,
        filter: () => tf.engine().runKernel(DEPTHWISE_BACKPROP_FILTER, { x, dy: g }, { dilation, kernelSize }) as tf.Tensor,
        bias: () => tf.engine().runKernel(COL_SUM, { x: tf.reshape(g, [-1, g.shape[3]]) }, {}) as tf.Tensor,
      };
    },
  });
  tf.registerGradient({
    kernelName: DEFORM_CONV,
    inputsToSave: ['x', 'offset', 'mask', 'w'],
    gradFunc: (dy, saved) => {
      const [x, offset, mask, w] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
      const [dx, doffset, dmask, dw] = tf.engine().runKernel(DEFORM_CONV_GRAD, { x, offset, mask, w, dy: dy as tf.Tensor }, {}) as tf.Tensor[];
      return { x: () => dx as tf.Tensor, offset: () => doffset as tf.Tensor, mask: () => dmask as tf.Tensor, w: () => dw as tf.Tensor };
    },
  });
  tf.registerGradient({
    kernelName: GELU,
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => {
      const [x] = saved as [tf.Tensor];
      return { x: () => tf.engine().runKernel(GELU_GRAD, { x, dy: dy as tf.Tensor }, {}) as tf.Tensor };
    },
  });
  tf.registerGradient({
    kernelName: BATCH_NORM,
    inputsToSave: ['x', 'gamma'],
    outputsToSave: [false, true, true],
    gradFunc: (dys, saved) => {
      const [x, gamma, mean, rstd] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
      const dy = (dys as tf.Tensor[])[0] as tf.Tensor;
      // Same reason as the deformable gradient below: one kernel, three results, computed once.
      const [dx, dgamma, dbeta] = tf.engine().runKernel(BATCH_NORM_GRAD, { dy, x, mean, rstd, gamma }, {}) as tf.Tensor[];
      return { x: () => dx as tf.Tensor, gamma: () => dgamma as tf.Tensor, beta: () => dbeta as tf.Tensor };
    },
  });
  tf.registerGradient({
    kernelName: SOFTMAX_XENT,
    outputsToSave: [false, true, false],
    gradFunc: (dys, saved) => {
      const [grad] = saved as [tf.Tensor];
      const dLoss = (dys as tf.Tensor[])[0] as tf.Tensor;
      // Labels are a constant target (often this kernel's own argmax from another call): no gradient flows to them.
      return { logits: () => tf.mul(grad, dLoss), labels: () => tf.zeros([grad.shape[0] as number]) };
    },
  });
  tf.registerGradient({
    kernelName: DEFORM_IM2COL,
    inputsToSave: ['x', 'offset', 'mask'],
    gradFunc: (dcols, saved) => {
      const [x, offset, mask] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
      // One kernel computes all three, so run it here, once: the engine evaluates each thunk in its own tidy, which
      // would dispose parts made lazily inside another thunk. Unrequested parts die with the backward pass's scope.
      const parts = tf.engine().runKernel(DEFORM_IM2COL_GRAD, { x, offset, mask, dcols: dcols as tf.Tensor }, {}) as tf.Tensor[];
      const all = () => parts;
      return { x: () => all()[0] as tf.Tensor, offset: () => all()[1] as tf.Tensor, mask: () => all()[2] as tf.Tensor };
    },
  });
}
