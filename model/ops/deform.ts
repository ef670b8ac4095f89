// Modulated deformable 3×3 sampling (DCNv2 im2col): the part of the deformable convolution TF.js has no kernel for.
import { tf } from '../tf';
import { DEFORM_CONV, DEFORM_IM2COL, S3_KERNEL_BACKENDS } from '../kernels/names';
import { registerS3Kernels } from '../kernels/register';

/**
 * x: [1, H, W, C]; offset: [1, H, W, 18] as (row, column) shift per tap k = ky*3 + kx; mask: [1, H, W, 9].
 * Returns cols: [H*W, 9*C] with cols[p][k*C + c] = mask · bilinear(x at p + tap k + offset)[c]; corners outside
 * the image read as zero. The deformable convolution is then matMul(cols, weight[9*C, Cout]).
 */
export function deformIm2Col(x: tf.Tensor4D, offset: tf.Tensor4D, mask: tf.Tensor4D): tf.Tensor2D {
  if (S3_KERNEL_BACKENDS.includes(tf.getBackend())) {
    registerS3Kernels();
    return tf.engine().runKernel(DEFORM_IM2COL, { x, offset, mask }, {}) as tf.Tensor2D;
  }
  return composedDeformIm2Col(x, offset, mask);
}

/**
 * The modulated deformable convolution: deformIm2Col(x, offset, mask) · w,  w: [9·C, Cout]. On wasm (webgpu: see its kernel) one kernel does it
 * in row blocks (the column matrix is never materialised: 151 MB at 256×256×64) and its gradient recomputes them.
 */
export function deformConv(x: tf.Tensor4D, offset: tf.Tensor4D, mask: tf.Tensor4D, w: tf.Tensor2D): tf.Tensor2D {
  if (S3_KERNEL_BACKENDS.includes(tf.getBackend())) {
    registerS3Kernels();
    return tf.engine().runKernel(DEFORM_CONV, { x, offset, mask, w }, {}) as tf.Tensor2D;
  }
  return tf.matMul(composedDeformIm2Col(x, offset, mask), w);
}

/** Reference path from standard ops (gather + arithmetic); differentiable wherever gather's gradient exists. */
export function composedDeformIm2Col(x: tf.Tensor4D, offset: tf.Tensor4D, mask: tf.Tensor4D): tf.Tensor2D {
  // No tidy here: the gradient tape must keep the intermediates; callers run this inside their own tidy.
  {
    const [, H, W, C] = x.shape;
    const P = H * W;
    // Base sampling grid per pixel and tap: [P, 9].
    const base = new Float32Array(P * 18);
    for (let y = 0; y < H; y++) {
      for (let xx = 0; xx < W; xx++) {
        for (let k = 0; k < 9; k++) {
          const i = (y * W + xx) * 18 + 2 * k;
          base[i] = y + Math.floor(k / 3) - 1;
          base[i + 1] = xx + (k % 3) - 1;
        }
      }
    }
    const pos = tf.add(tf.reshape(offset, [P, 9, 2]), tf.tensor3d(base, [P, 9, 2]));
    const [py, px] = tf.split(pos, 2, 2).map((t) => tf.reshape(t, [P * 9])) as [tf.Tensor1D, tf.Tensor1D];
    // Masks of validity are constants of the sampling positions: built from values, off the tape.
    const constant = (t: tf.Tensor) => tf.tensor(t.dataSync(), t.shape, 'float32');
    const inside = constant(tf.logicalAnd(tf.logicalAnd(tf.greater(py, -1), tf.less(py, H)), tf.logicalAnd(tf.greater(px, -1), tf.less(px, W))));
    // Floors carry no gradient (and gather's indices must not be on the tape): rebuild them from values.
    const y0 = tf.tensor1d(tf.floor(py).dataSync()), x0 = tf.tensor1d(tf.floor(px).dataSync());
    const ly = tf.sub(py, y0), lx = tf.sub(px, x0);
    const hy = tf.sub(1, ly), hx = tf.sub(1, lx);
    const flat = tf.reshape(x, [P, C]);
    const sample = (yy: tf.Tensor1D, xc: tf.Tensor1D): tf.Tensor2D => {
      const ok = constant(tf.logicalAnd(tf.logicalAnd(tf.greaterEqual(yy, 0), tf.less(yy, H)), tf.logicalAnd(tf.greaterEqual(xc, 0), tf.less(xc, W))));
      const idx = tf.tensor1d(tf.add(tf.mul(tf.clipByValue(yy, 0, H - 1), W), tf.clipByValue(xc, 0, W - 1)).dataSync(), 'int32');
      const v = tf.gather(flat, idx) as tf.Tensor2D;
      return tf.mul(v, tf.expandDims(ok, 1));
    };
    const y1 = tf.add(y0, 1) as tf.Tensor1D, x1 = tf.add(x0, 1) as tf.Tensor1D;
    const col = (w: tf.Tensor) => tf.expandDims(w, 1);
    let v = tf.mul(sample(y0 as tf.Tensor1D, x0 as tf.Tensor1D), col(tf.mul(hy, hx)));
    v = tf.add(v, tf.mul(sample(y0 as tf.Tensor1D, x1), col(tf.mul(hy, lx))));
    v = tf.add(v, tf.mul(sample(y1, x0 as tf.Tensor1D), col(tf.mul(ly, hx))));
    v = tf.add(v, tf.mul(sample(y1, x1), col(tf.mul(ly, lx))));
    const m = tf.mul(tf.reshape(mask, [P * 9]), inside);
    return tf.reshape(tf.mul(v, col(m)), [P, 9 * C]) as tf.Tensor2D;
  }
}
