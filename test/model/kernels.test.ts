// The wasm SIMD kernels and the gradients the wasm backend lacks, checked against TF.js's cpu backend.
import { describe, expect, it } from 'vitest';
import { tf } from '../../model/tf';
import { depthwiseConv } from '../../model/ops/depthwise';
import { deformConv, deformIm2Col } from '../../model/ops/deform';
import { batchNormRows, dense, gelu, matMulTransposeA, softmaxCrossEntropy } from '../../model/ops/rows';
import { maxAbs, maxAbsDiff, onBackend, randomArray } from './helpers';
import { linearSegmentSumCpu, registerS3Kernels, replacedKernels } from '../../model/kernels/register';

const TOL = 2e-4;

function expectClose(a: Float32Array, b: Float32Array, label: string): void {
  const scale = Math.max(1, maxAbs(b));
  expect(maxAbsDiff(a, b) / scale, label).toBeLessThan(TOL);
  expect(maxAbs(b), `${label} is not trivially zero`).toBeGreaterThan(0);
}

async function compare(fn: () => tf.Tensor[], labels: string[]): Promise<void> {
  const ref = await onBackend('cpu', fn);
  const got = await onBackend('wasm', fn);
  ref.forEach((r, i) => expectClose(got[i] as Float32Array, r, labels[i] ?? `output ${i}`));
}

describe('depthwise convolution with dilation', () => {
  for (const [K, dil, C] of [[5, 1, 8], [3, 1, 6], [5, 2, 16], [7, 3, 20]] as const) {
    it(`K=${K} dilation=${dil} C=${C}: value and gradients match cpu`, async () => {
      const H = 11, W = 9;
      const xs = randomArray(H * W * C, 1), fs = randomArray(K * K * C, 2), bs = randomArray(C, 3), us = randomArray(H * W * C, 4);
      await compare(() => {
        const x = tf.tensor4d(xs, [1, H, W, C]), f = tf.tensor3d(fs, [K, K, C]), b = tf.tensor1d(bs);
        const u = tf.tensor4d(us, [1, H, W, C]);
        // A weighted sum makes every output position's gradient different.
        const loss = (xx: tf.Tensor, ff: tf.Tensor, bb: tf.Tensor) =>
          tf.sum(tf.mul(depthwiseConv(xx as tf.Tensor4D, ff as tf.Tensor3D, bb as tf.Tensor1D, dil), u));
        const g = tf.grads(loss)([x, f, b]);
        return [depthwiseConv(x, f, b, dil), ...g];
      }, ['value', 'dx', 'dfilter', 'dbias']);
    });
  }
});

describe('modulated deformable sampling', () => {
  it('value and gradients for x, offsets and mask match the gather-based cpu path', async () => {
    const H = 8, W = 7, C = 12;
    const xs = randomArray(H * W * C, 5);
    // Offsets up to ±2.5 px reach outside the image at the borders, exercising the zero-padding rule.
    const os = randomArray(H * W * 18, 6, -2.5, 2.5), ms = randomArray(H * W * 9, 7, 0, 1);
    const us = randomArray(H * W * 9 * C, 8);
    await compare(() => {
      const x = tf.tensor4d(xs, [1, H, W, C]), o = tf.tensor4d(os, [1, H, W, 18]), m = tf.tensor4d(ms, [1, H, W, 9]);
      const u = tf.tensor2d(us, [H * W, 9 * C]);
      const loss = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
        tf.sum(tf.mul(deformIm2Col(a as tf.Tensor4D, b as tf.Tensor4D, c as tf.Tensor4D), u));
      return [deformIm2Col(x, o, m), ...tf.grads(loss)([x, o, m])];
    }, ['cols', 'dx', 'doffset', 'dmask']);
  });

  it('with zero offsets and unit mask equals a plain 3×3 convolution', async () => {
    const H = 6, W = 5, C = 4, Co = 3;
    const xs = randomArray(H * W * C, 9), ws = randomArray(9 * C * Co, 10);
    const [viaDeform, viaConv] = await onBackend('wasm', () => {
      const x = tf.tensor4d(xs, [1, H, W, C]);
      const cols = deformIm2Col(x, tf.zeros([1, H, W, 18]), tf.ones([1, H, W, 9]));
      const w = tf.tensor2d(ws, [9 * C, Co]);
      return [tf.matMul(cols, w), tf.reshape(tf.conv2d(x, tf.reshape(w, [3, 3, C, Co]) as tf.Tensor4D, 1, 'same'), [H * W, Co])];
    });
    expectClose(viaDeform as Float32Array, viaConv as Float32Array, 'deform(0 offsets) vs conv2d');
  });
});

describe('gradient kernels the wasm backend lacks', () => {
  it('Conv2DBackpropFilter (3×3, 3→8, same) matches cpu', async () => {
    const H = 9, W = 10, Ci = 3, Co = 8;
    const xs = randomArray(H * W * Ci, 11), ws = randomArray(9 * Ci * Co, 12), us = randomArray(H * W * Co, 13);
    await compare(() => {
      const x = tf.tensor4d(xs, [1, H, W, Ci]), w = tf.tensor4d(ws, [3, 3, Ci, Co]), u = tf.tensor4d(us, [1, H, W, Co]);
      const loss = (ww: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x, ww as tf.Tensor4D, 1, 'same'), u));
      return [tf.grad(loss)(w)];
    }, ['dfilter']);
  });

  it('UnsortedSegmentSum (the gather gradient) matches cpu', async () => {
    const rows = 10, cols = 5, n = 37;
    const xs = randomArray(rows * cols, 14), us = randomArray(n * cols, 15);
    const idx = Int32Array.from({ length: n }, (_, i) => (i * 7) % rows);
    await compare(() => {
      const x = tf.tensor2d(xs, [rows, cols]), u = tf.tensor2d(us, [n, cols]);
      const loss = (xx: tf.Tensor) => tf.sum(tf.mul(tf.gather(xx, tf.tensor1d(idx, 'int32')), u));
      return [tf.grad(loss)(x)];
    }, ['dx']);
  });
});

describe('the cpu reference paths themselves', () => {
  // Central finite differences on a few coordinates: an independent check that the references are right.
  async function finiteDifference(f: (v: Float32Array) => number, v: Float32Array, i: number, eps: number): Promise<number> {
    const a = Float32Array.from(v), b = Float32Array.from(v);
    a[i] = (a[i] as number) + eps;
    b[i] = (b[i] as number) - eps;
    return (f(a) - f(b)) / (2 * eps);
  }

  it('dilated depthwise gradient (cpu) agrees with finite differences', async () => {
    await tf.setBackend('cpu');
    const H = 9, W = 8, C = 3, K = 5, dil = 2;
    const xs = randomArray(H * W * C, 21), fs = randomArray(K * K * C, 22), us = randomArray(H * W * C, 23);
    const lossOf = (xv: Float32Array, fv: Float32Array) =>
      tf.tidy(() => tf.sum(tf.mul(depthwiseConv(tf.tensor4d(xv, [1, H, W, C]), tf.tensor3d(fv, [K, K, C]), null, dil), tf.tensor4d(us, [1, H, W, C]))).dataSync()[0] as number);
    const [gx, gf] = tf.tidy(() =>
      tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(depthwiseConv(a as tf.Tensor4D, b as tf.Tensor3D, null, dil), tf.tensor4d(us, [1, H, W, C]))))([
        tf.tensor4d(xs, [1, H, W, C]),
        tf.tensor3d(fs, [K, K, C]),
      ]).map((t) => t.dataSync()),
    ) as [Float32Array, Float32Array];
    for (const i of [0, 17, 101, H * W * C - 1]) {
      expect(gx[i]).toBeCloseTo(await finiteDifference((v) => lossOf(v, fs), xs, i, 1e-2), 2);
    }
    for (const i of [0, 13, K * K * C - 1]) {
      expect(gf[i]).toBeCloseTo(await finiteDifference((v) => lossOf(xs, v), fs, i, 1e-2), 2);
    }
  });
});

describe('row-wise kernels: dense, BatchNorm, softmax cross-entropy', () => {
  it('dense layer value and gradients (x, W, b) match cpu, including the aᵀ·b weight-gradient kernel', async () => {
    const P = 301, M = 200, N = 37; // odd rows, depth past one 192-slice, a partial 16-column tile: every tail path
    const xs = randomArray(P * M, 31), ws = randomArray(M * N, 32), bs = randomArray(N, 33), us = randomArray(P * N, 34);
    await compare(() => {
      const x = tf.tensor2d(xs, [P, M]), w = tf.tensor2d(ws, [M, N]), b = tf.tensor1d(bs), u = tf.tensor2d(us, [P, N]);
      const loss = (a: tf.Tensor, c: tf.Tensor, d: tf.Tensor) => tf.sum(tf.mul(dense(a as tf.Tensor2D, c as tf.Tensor2D, d as tf.Tensor1D), u));
      return [dense(x, w, b), ...tf.grads(loss)([x, w, b]), matMulTransposeA(x, u)];
    }, ['value', 'dx', 'dW', 'db', 'aᵀb']);
  });

  it('training-mode BatchNorm value and gradients (x, γ, β) match cpu', async () => {
    const P = 517, C = 10;
    const xs = randomArray(P * C, 35, -3, 5), gs = randomArray(C, 36, 0.5, 2), bs = randomArray(C, 37), us = randomArray(P * C, 38);
    await compare(() => {
      const x = tf.tensor2d(xs, [P, C]), g = tf.tensor1d(gs), b = tf.tensor1d(bs), u = tf.tensor2d(us, [P, C]);
      const loss = (a: tf.Tensor, c: tf.Tensor, d: tf.Tensor) => tf.sum(tf.mul(batchNormRows(a as tf.Tensor2D, c as tf.Tensor1D, d as tf.Tensor1D), u));
      return [batchNormRows(x, g, b), ...tf.grads(loss)([x, g, b])];
    }, ['value', 'dx', 'dgamma', 'dbeta']);
  });

  it('softmax cross-entropy against its own argmax and against given labels: value, argmax, gradient match cpu', async () => {
    const P = 200, C = 9;
    const ls = randomArray(P * C, 39, -4, 4), as = randomArray(P * C, 40, -4, 4);
    await compare(() => {
      const logits = tf.tensor2d(ls, [P, C]), aux = tf.tensor2d(as, [P, C]);
      const total = (l: tf.Tensor, a: tf.Tensor) => {
        const self = softmaxCrossEntropy(l as tf.Tensor2D, null);
        return tf.add(tf.mul(self.loss, 3.5), tf.mul(softmaxCrossEntropy(a as tf.Tensor2D, self.argmax).loss, 0.2)) as tf.Scalar;
      };
      const self = softmaxCrossEntropy(logits, null);
      return [tf.reshape(self.loss, [1]), tf.cast(self.argmax, 'float32'), ...tf.grads(total)([logits, aux])];
    }, ['loss', 'argmax', 'dlogits', 'daux']);
  });

  it('softmax cross-entropy leaves rows with a negative label out of the loss, the mean and the gradient', async () => {
    const P = 120, C = 7;
    const ls = randomArray(P * C, 41, -4, 4);
    // A third of the rows unlabelled, as the pixels an affine transform brings in from outside the image.
    const labels = Int32Array.from({ length: P }, (_, i) => (i % 3 === 0 ? -1 : (i * 5) % C));
    await compare(() => {
      const logits = tf.tensor2d(ls, [P, C]), lab = tf.tensor1d(labels, 'int32');
      const loss = (l: tf.Tensor) => softmaxCrossEntropy(l as tf.Tensor2D, lab).loss;
      return [tf.reshape(loss(logits), [1]), ...tf.grads(loss)([logits])];
    }, ['loss', 'dlogits']);
    // And the value is the mean over labelled rows only, computed directly.
    let total = 0, n = 0;
    for (let p = 0; p < P; p++) {
      const t = labels[p] as number;
      if (t < 0) continue;
      const row = Array.from(ls.subarray(p * C, p * C + C));
      const mx = Math.max(...row);
      total += Math.log(row.reduce((a, v) => a + Math.exp(v - mx), 0)) + mx - (row[t] as number);
      n++;
    }
    await tf.setBackend('wasm');
    const ours = tf.tidy(() => softmaxCrossEntropy(tf.tensor2d(ls, [P, C]), tf.tensor1d(labels, 'int32')).loss.dataSync()[0] as number);
    expect(ours).toBeCloseTo(total / n, 5);
  });
});

describe('the linear-time cpu segment sum', () => {
  it("gives exactly what TF.js's own cpu kernel gives", async () => {
    registerS3Kernels();
    await tf.setBackend('cpu');
    const tfjsCpuSegmentSum = replacedKernels.get('cpu/UnsortedSegmentSum');
    if (!tfjsCpuSegmentSum) throw new Error("TF.js's cpu UnsortedSegmentSum was not captured");
    const rows = 40, cols = 3, segments = 11;
    const xs = randomArray(rows * cols, 70);
    const ids = Int32Array.from({ length: rows }, (_, i) => (i * 5) % segments);
    const run = () => tf.tidy(() => tf.unsortedSegmentSum(tf.tensor2d(xs, [rows, cols]), tf.tensor1d(ids, 'int32'), segments).dataSync());
    const ours = Float32Array.from(run());
    // Swap TF.js's original back in for the comparison, then restore ours.
    tf.unregisterKernel('UnsortedSegmentSum', 'cpu');
    tf.registerKernel(tfjsCpuSegmentSum);
    const theirs = Float32Array.from(run());
    tf.unregisterKernel('UnsortedSegmentSum', 'cpu');
    tf.registerKernel(linearSegmentSumCpu);
    expect(maxAbsDiff(ours, theirs)).toBeLessThan(1e-5);
  });
});

describe('fused kernels: deformable convolution in row blocks, GELU', () => {
  it('deformable conv (blocks of 2048 rows over 3 blocks) value and gradients for x, offsets, mask, weight match cpu', async () => {
    // 48×96 = 4608 rows: two full blocks and a partial one.
    const H = 48, W = 96, C = 5, Co = 7;
    const xs = randomArray(H * W * C, 90), os = randomArray(H * W * 18, 91, -1.5, 1.5), ms = randomArray(H * W * 9, 92, 0, 1);
    const ws = randomArray(9 * C * Co, 93), us = randomArray(H * W * Co, 94);
    await compare(() => {
      const x = tf.tensor4d(xs, [1, H, W, C]), o = tf.tensor4d(os, [1, H, W, 18]), m = tf.tensor4d(ms, [1, H, W, 9]);
      const w = tf.tensor2d(ws, [9 * C, Co]), u = tf.tensor2d(us, [H * W, Co]);
      const loss = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor, d: tf.Tensor) =>
        tf.sum(tf.mul(deformConv(a as tf.Tensor4D, b as tf.Tensor4D, c as tf.Tensor4D, d as tf.Tensor2D), u));
      return [deformConv(x, o, m, w), ...tf.grads(loss)([x, o, m, w])];
    }, ['value', 'dx', 'doffset', 'dmask', 'dweight']);
  });

  it('GELU value and gradient match the erf formula on cpu', async () => {
    const xs = randomArray(999, 95, -6, 6);
    await compare(() => {
      const x = tf.tensor1d(xs);
      return [gelu(x), tf.grad((v: tf.Tensor) => tf.sum(tf.mul(gelu(v), tf.linspace(-1, 1, 999))))(x)];
    }, ['gelu', 'dgelu']);
  });
});

describe('kernel build in use', () => {
  it('is relaxed SIMD (fused multiply-add) on this Node unless plain SIMD is asked for', async () => {
    const { kernelVariant } = await import('../../model/kernels/binding');
    expect(kernelVariant()).toBe(process.env.S3A_KERNELS === 'simd' ? 'simd' : 'relaxed-simd');
  });
});
