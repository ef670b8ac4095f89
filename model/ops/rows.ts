// Row-wise ops on [P, C] feature maps: dense (1×1 conv), BatchNorm, softmax cross-entropy, with fast gradients.
import { tf } from '../tf';
import { withGradient } from './custom-grad';
import { BATCH_NORM, BN_EPSILON, COL_SUM, GELU, GEMM, MATMUL_TN, S3_KERNEL_BACKENDS, SOFTMAX_XENT } from '../kernels/names';
import { registerS3Kernels } from '../kernels/register';

/** True where our kernels run (wasm, webgpu); registers them on first use. */
const onWasm = () => {
  const ours = S3_KERNEL_BACKENDS.includes(tf.getBackend());
  if (ours) registerS3Kernels();
  return ours;
};

/** Sum over rows, [P, C] → [C]. (The wasm backend's own reduction over axis 0 transposes the whole map first.) */
export function columnSum(x: tf.Tensor2D): tf.Tensor1D {
  return onWasm() ? (tf.engine().runKernel(COL_SUM, { x }, {}) as tf.Tensor1D) : tf.sum(x, 0);
}

/** a·w for [P, K]·[K, N] (no gradient of its own: used inside ops that define theirs). */
export function matMulRows(a: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
  return onWasm() ? (tf.engine().runKernel(GEMM, { a, w }, {}) as tf.Tensor2D) : tf.matMul(a, w);
}

/** aᵀ·b for [P, M] and [P, N] → [M, N]: the weight gradient of a dense layer. */
export function matMulTransposeA(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return onWasm() ? (tf.engine().runKernel(MATMUL_TN, { a, b }, {}) as tf.Tensor2D) : tf.matMul(a, b, true, false);
}

/**
 * x·W + b with explicit transposes in the gradient: TF.js's wasm matMul is an order of magnitude slower with its
 * transpose flags than on a transposed copy (measured: 1.0 s vs 0.08 s for a [16384,576]ᵀ·[16384,64] product).
 */
export function dense(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D | null): tf.Tensor2D {
  const f = withGradient<tf.Tensor2D>(([xx, ww, bb], save) => {
    save([xx as tf.Tensor, ww as tf.Tensor]);
    const value = tf.add(matMulRows(xx as tf.Tensor2D, ww as tf.Tensor2D), bb as tf.Tensor) as tf.Tensor2D;
    return {
      value,
      gradFunc: (g, saved) => {
        const [sx, sw] = saved as [tf.Tensor2D, tf.Tensor2D];
        return [matMulRows(g, tf.transpose(sw)), matMulTransposeA(sx, g), columnSum(g)];
      },
    };
  });
  return f(x, w, b ?? tf.zeros([w.shape[1]]));
}

/** x + b for [P, C] + [C], with the bias gradient as a column sum. */
export function addBias(x: tf.Tensor2D, b: tf.Tensor1D): tf.Tensor2D {
  const f = withGradient<tf.Tensor2D>(([xx, bb]) => ({
    value: tf.add(xx as tf.Tensor, bb as tf.Tensor) as tf.Tensor2D,
    gradFunc: (dy) => [dy, columnSum(dy)],
  }));
  return f(x, b);
}

/** Training-mode BatchNorm over the rows of [P, C] (batch statistics, biased variance, ε = 1e-5). */
export function batchNormRows(x: tf.Tensor2D, gamma: tf.Tensor1D, beta: tf.Tensor1D): tf.Tensor2D {
  if (onWasm()) return (tf.engine().runKernel(BATCH_NORM, { x, gamma, beta }, {}) as tf.Tensor[])[0] as tf.Tensor2D;
  const { mean, variance } = tf.moments(x, 0);
  return tf.batchNorm(x, mean, variance, beta, gamma, BN_EPSILON) as tf.Tensor2D;
}

/**
 * Mean softmax cross-entropy of [P, C] logits against labels, or against each row's own argmax when labels is null
 * (S3-Net's self-labelling; the target carries no gradient). A negative label leaves its row out of the loss and the
 * mean (pixels an affine transform brought in from outside the image). Returns the loss and the argmax (int32 [P]).
 */
export function softmaxCrossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D | null): { loss: tf.Scalar; argmax: tf.Tensor1D } {
  if (onWasm()) {
    const inputs: tf.NamedTensorMap = labels ? { logits, labels } : { logits };
    const [loss, , argmax] = tf.engine().runKernel(SOFTMAX_XENT, inputs, {}) as tf.Tensor[];
    return { loss: loss as tf.Scalar, argmax: argmax as tf.Tensor1D };
  }
  const argmax = tf.argMax(logits, 1) as tf.Tensor1D;
  const target = labels ?? argmax;
  // oneHot of a negative label is a zero row; the row's weight is 0 as well.
  const picked = tf.sum(tf.mul(logits, tf.oneHot(target, logits.shape[1])), 1);
  const perRow = tf.sub(tf.logSumExp(logits, 1), picked);
  if (!labels) return { loss: tf.mean(perRow), argmax };
  const weight = tf.cast(tf.greaterEqual(labels, 0), 'float32');
  const loss = tf.div(tf.sum(tf.mul(perRow, weight)), tf.maximum(tf.sum(weight), 1)) as tf.Scalar;
  return { loss, argmax };
}

/** GELU, exact (erf) form as PyTorch's nn.GELU: x·Φ(x). On wasm and webgpu one kernel each way, saving only x. */
export function gelu<T extends tf.Tensor>(x: T): T {
  if (onWasm()) return tf.engine().runKernel(GELU, { x }, {}) as T;
  return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2)))) as T;
}
