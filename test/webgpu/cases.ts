// The WGSL kernels' correctness cases: each runs on the cpu backend and on webgpu, inside the test page.
// Same inputs, shapes and tolerance as the wasm kernel tests (test/model/kernels.test.ts), plus a whole training step.
import { tf } from '../../model/tf';
import { depthwiseConv } from '../../model/ops/depthwise';
import { deformConv, deformIm2Col } from '../../model/ops/deform';
import { batchNormRows, columnSum, dense, gelu, matMulTransposeA, softmaxCrossEntropy } from '../../model/ops/rows';
import { mulberry32 } from '../../model/random';

/** Relative tolerance of every kernel output (max |difference| / max(1, max |reference|)), as for wasm. */
export const KERNEL_TOL = 2e-4;
/** The whole step's gradients, relative to each gradient's own scale (as the explicit-vs-tape test on wasm). */
export const STEP_TOL = 1e-3;

export function randomArray(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const r = mulberry32(seed);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * r();
  return a;
}

export interface KernelCase {
  readonly name: string;
  readonly outputs: readonly string[];
  readonly run: () => tf.Tensor[];
}

const cases: KernelCase[] = [];
const add = (name: string, outputs: string[], run: () => tf.Tensor[]) => cases.push({ name, outputs, run });

for (const [K, dil, C] of [[5, 1, 8], [3, 1, 6], [5, 2, 16], [7, 3, 20]] as const) {
  add(`depthwise K=${K} dilation=${dil} C=${C}`, ['value', 'dx', 'dfilter', 'dbias'], () => {
    const H = 11, W = 9;
    const x = tf.tensor4d(randomArray(H * W * C, 1), [1, H, W, C]), f = tf.tensor3d(randomArray(K * K * C, 2), [K, K, C]);
    const b = tf.tensor1d(randomArray(C, 3)), u = tf.tensor4d(randomArray(H * W * C, 4), [1, H, W, C]);
    const loss = (xx: tf.Tensor, ff: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(depthwiseConv(xx as tf.Tensor4D, ff as tf.Tensor3D, bb as tf.Tensor1D, dil), u));
    return [depthwiseConv(x, f, b, dil), ...tf.grads(loss)([x, f, b])];
  });
}

add('deformable sampling (offsets up to ±2.5 px)', ['cols', 'dx', 'doffset', 'dmask'], () => {
  const H = 8, W = 7, C = 12;
  const x = tf.tensor4d(randomArray(H * W * C, 5), [1, H, W, C]);
  const o = tf.tensor4d(randomArray(H * W * 18, 6, -2.5, 2.5), [1, H, W, 18]), m = tf.tensor4d(randomArray(H * W * 9, 7, 0, 1), [1, H, W, 9]);
  const u = tf.tensor2d(randomArray(H * W * 9 * C, 8), [H * W, 9 * C]);
  const loss = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.sum(tf.mul(deformIm2Col(a as tf.Tensor4D, b as tf.Tensor4D, c as tf.Tensor4D), u));
  return [deformIm2Col(x, o, m), ...tf.grads(loss)([x, o, m])];
});

add('deformable convolution 16×24, 5→7', ['value', 'dx', 'doffset', 'dmask', 'dweight'], () => {
  const H = 16, W = 24, C = 5, Co = 7;
  const x = tf.tensor4d(randomArray(H * W * C, 90), [1, H, W, C]);
  const o = tf.tensor4d(randomArray(H * W * 18, 91, -1.5, 1.5), [1, H, W, 18]), m = tf.tensor4d(randomArray(H * W * 9, 92, 0, 1), [1, H, W, 9]);
  const w = tf.tensor2d(randomArray(9 * C * Co, 93), [9 * C, Co]), u = tf.tensor2d(randomArray(H * W * Co, 94), [H * W, Co]);
  const loss = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor, d: tf.Tensor) =>
    tf.sum(tf.mul(deformConv(a as tf.Tensor4D, b as tf.Tensor4D, c as tf.Tensor4D, d as tf.Tensor2D), u));
  return [deformConv(x, o, m, w), ...tf.grads(loss)([x, o, m, w])];
});

add('dense layer, aᵀ·b and column sum', ['value', 'dx', 'dW', 'db', 'aᵀb', 'colsum'], () => {
  const P = 101, M = 72, N = 19;
  const x = tf.tensor2d(randomArray(P * M, 31), [P, M]), w = tf.tensor2d(randomArray(M * N, 32), [M, N]);
  const b = tf.tensor1d(randomArray(N, 33)), u = tf.tensor2d(randomArray(P * N, 34), [P, N]);
  const loss = (a: tf.Tensor, c: tf.Tensor, d: tf.Tensor) => tf.sum(tf.mul(dense(a as tf.Tensor2D, c as tf.Tensor2D, d as tf.Tensor1D), u));
  return [dense(x, w, b), ...tf.grads(loss)([x, w, b]), matMulTransposeA(x, u), columnSum(x)];
});

add('training-mode BatchNorm', ['value', 'dx', 'dgamma', 'dbeta'], () => {
  const P = 517, C = 10;
  const x = tf.tensor2d(randomArray(P * C, 35, -3, 5), [P, C]), g = tf.tensor1d(randomArray(C, 36, 0.5, 2));
  const b = tf.tensor1d(randomArray(C, 37)), u = tf.tensor2d(randomArray(P * C, 38), [P, C]);
  const loss = (a: tf.Tensor, c: tf.Tensor, d: tf.Tensor) => tf.sum(tf.mul(batchNormRows(a as tf.Tensor2D, c as tf.Tensor1D, d as tf.Tensor1D), u));
  return [batchNormRows(x, g, b), ...tf.grads(loss)([x, g, b])];
});

add('softmax cross-entropy: self-labelling and consistency', ['loss', 'argmax', 'dlogits', 'daux'], () => {
  const P = 200, C = 9;
  const logits = tf.tensor2d(randomArray(P * C, 39, -4, 4), [P, C]), aux = tf.tensor2d(randomArray(P * C, 40, -4, 4), [P, C]);
  const total = (l: tf.Tensor, a: tf.Tensor) => {
    const self = softmaxCrossEntropy(l as tf.Tensor2D, null);
    return tf.add(tf.mul(self.loss, 3.5), tf.mul(softmaxCrossEntropy(a as tf.Tensor2D, self.argmax).loss, 0.2)) as tf.Scalar;
  };
  const self = softmaxCrossEntropy(logits, null);
  return [tf.reshape(self.loss, [1]), tf.cast(self.argmax, 'float32'), ...tf.grads(total)([logits, aux])];
});

add('softmax cross-entropy with unlabelled rows', ['loss', 'dlogits'], () => {
  const P = 120, C = 7;
  const labels = tf.tensor1d(Int32Array.from({ length: P }, (_, i) => (i % 3 === 0 ? -1 : (i * 5) % C)), 'int32');
  const logits = tf.tensor2d(randomArray(P * C, 41, -4, 4), [P, C]);
  const loss = (l: tf.Tensor) => softmaxCrossEntropy(l as tf.Tensor2D, labels).loss;
  return [tf.reshape(loss(logits), [1]), ...tf.grads(loss)([logits])];
});

add('GELU', ['gelu', 'dgelu'], () => {
  const x = tf.tensor1d(randomArray(999, 95, -6, 6));
  return [gelu(x), tf.grad((v: tf.Tensor) => tf.sum(tf.mul(gelu(v), tf.linspace(-1, 1, 999))))(x)];
});

export const KERNEL_CASES: readonly KernelCase[] = cases;
