// Depthwise convolution (stride 1, 'same', any dilation) that can be differentiated on every backend.
import { tf } from '../tf';
import { DEPTHWISE, S3_KERNEL_BACKENDS } from '../kernels/names';
import { registerS3Kernels } from '../kernels/register';
import { withGradient } from './custom-grad';

/**
 * x: [1, H, W, C]; filter: [K, K, C] (one K×K filter per channel); bias: [C] or null.
 * On wasm and webgpu this runs our kernel (SIMD, WGSL); elsewhere TF.js's DepthwiseConv2dNative with a gradient that calls the backprop
 * kernels directly, because tfjs-core's registered gradient refuses dilation > 1.
 */
export function depthwiseConv(x: tf.Tensor4D, filter: tf.Tensor3D, bias: tf.Tensor1D | null, dilation: number): tf.Tensor4D {
  if (S3_KERNEL_BACKENDS.includes(tf.getBackend())) {
    registerS3Kernels();
    const inputs: tf.NamedTensorMap = bias ? { x, filter, bias } : { x, filter };
    return tf.engine().runKernel(DEPTHWISE, inputs, { dilation }) as tf.Tensor4D;
  }
  const y = composedDepthwise(x, filter, dilation);
  return bias ? tf.add(y, bias) : y;
}

/**
 * The reference path from TF.js's forward kernels only (cpu, tensorflow): the input gradient of a stride-1 'same'
 * depthwise convolution is the same convolution with the filter flipped, and the filter gradient is, per tap, the
 * sum of the output gradient times the input shifted by that tap. (TF.js's backprop kernels ignore dilation.)
 */
export function composedDepthwise(x: tf.Tensor4D, filter: tf.Tensor3D, dilation: number): tf.Tensor4D {
  const f = withGradient<tf.Tensor4D>(([xx, ff], save) => {
    const x4 = xx as tf.Tensor4D;
    const f3 = ff as tf.Tensor3D;
    save([x4, f3]);
    const value = tf.depthwiseConv2d(x4, tf.expandDims(f3, 3) as tf.Tensor4D, 1, 'same', 'NHWC', dilation);
    return {
      value,
      gradFunc: (g, saved) => {
        const [sx, sf] = saved as [tf.Tensor4D, tf.Tensor3D];
        const flipped = tf.expandDims(tf.reverse(sf, [0, 1]), 3) as tf.Tensor4D;
        const dx = tf.depthwiseConv2d(g, flipped, 1, 'same', 'NHWC', dilation);
        return [dx, depthwiseFilterGrad(sx, g, sf.shape[0], dilation)];
      },
    };
  });
  return f(x, filter);
}

function depthwiseFilterGrad(x: tf.Tensor4D, dy: tf.Tensor4D, K: number, dilation: number): tf.Tensor3D {
  const [, H, W, C] = x.shape;
  const r = ((K - 1) / 2) * dilation;
  const padded = tf.pad(x, [[0, 0], [r, r], [r, r], [0, 0]]);
  const taps: tf.Tensor[] = [];
  for (let ky = 0; ky < K; ky++) {
    for (let kx = 0; kx < K; kx++) {
      const shifted = tf.slice(padded, [0, ky * dilation, kx * dilation, 0], [1, H, W, C]);
      taps.push(tf.sum(tf.mul(shifted, dy), [0, 1, 2]));
    }
  }
  return tf.reshape(tf.stack(taps), [K, K, C]) as tf.Tensor3D;
}
