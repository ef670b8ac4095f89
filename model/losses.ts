// S3-Net's loss terms on [P, C] logits: self-labelling cross-entropy, transformation consistency, spatial consistency.
import { tf } from './tf';
import { softmaxCrossEntropy } from './ops/rows';

/**
 * Cross-entropy against the network's own argmax, mean over pixels, with the target detached as in the reference
 * (gradient softmax(l) − onehot(argmax l)). Returns the argmax too: it is the label map of this iteration.
 */
export function selfLabelLoss(logits: tf.Tensor2D): { loss: tf.Scalar; target: tf.Tensor1D } {
  const { loss, argmax } = softmaxCrossEntropy(logits, null);
  return { loss, target: argmax };
}

/** Cross-entropy of logits against fixed integer labels (no gradient through the labels), mean over pixels. */
export function crossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return softmaxCrossEntropy(logits, labels).loss;
}

/**
 * The reference's "affine" term: both the auxiliary output and the main output are rotated by 90° before
 * CE(aux, argmax main). A rotation permutes pixels identically in both, and the mean is permutation-invariant, so
 * the term equals CE(aux, argmax main) on unrotated maps (tested in test/model/losses.test.ts); we skip the copies.
 */
export function faithfulConsistencyLoss(aux: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return crossEntropy(aux, labels);
}

/** rot90 (counter-clockwise) of a [P, C] map laid out as size × size pixels; used to test the identity above. */
export function rot90(map: tf.Tensor2D, size: number): tf.Tensor2D {
  const img = tf.reshape(map, [size, size, -1]);
  // Counter-clockwise: out[y][x] = in[x][size-1-y] = transpose then flip rows.
  return tf.reshape(tf.reverse(tf.transpose(img, [1, 0, 2]), 0), [size * size, -1]) as tf.Tensor2D;
}

/**
 * The reference's spatial term: Sobel responses of the grey image of randomly coloured labels, L1 against zero.
 * It is computed from argmax labels in numpy, so it carries no gradient: a constant added to the loss. We compute the
 * same value from the label map for reporting; colours come from the seeded stream like the reference's palette.
 */
export function faithfulSpatialValue(labels: Int32Array | Uint8Array, size: number, palette: Float32Array): number {
  const grey = new Float64Array(size * size);
  for (let i = 0; i < grey.length; i++) {
    const c = (labels[i] as number) * 3;
    // OpenCV BGR→grey weights on the palette's (B, G, R) colours, scaled to [0, 1].
    grey[i] = Math.round(0.114 * (palette[c] as number) + 0.587 * (palette[c + 1] as number) + 0.299 * (palette[c + 2] as number)) / 255;
  }
  // Reflect-101 borders as cv2.Sobel's default.
  const at = (y: number, x: number) => {
    const yy = y < 0 ? -y : y >= size ? 2 * size - 2 - y : y;
    const xx = x < 0 ? -x : x >= size ? 2 * size - 2 - x : x;
    return grey[yy * size + xx] as number;
  };
  let yx = 0, xyx = 0, xyy = 0;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const gx = at(y - 1, x + 1) + 2 * at(y, x + 1) + at(y + 1, x + 1) - at(y - 1, x - 1) - 2 * at(y, x - 1) - at(y + 1, x - 1);
      const gy = at(y + 1, x - 1) + 2 * at(y + 1, x) + at(y + 1, x + 1) - at(y - 1, x - 1) - 2 * at(y - 1, x) - at(y - 1, x + 1);
      // cv2.Sobel(dx=1, dy=1, ksize=3): the separable [-1,0,1]⊗[-1,0,1] kernel.
      const gxy = at(y - 1, x - 1) - at(y - 1, x + 1) - at(y + 1, x - 1) + at(y + 1, x + 1);
      yx += Math.abs(gy - gx);
      xyx += Math.abs(gxy - gx);
      xyy += Math.abs(gxy - gy);
    }
  }
  const n = size * size;
  return yx / n + xyx / n + xyy / n;
}

/**
 * Differentiable spatial consistency for the default mode: mean L1 of vertical and horizontal differences of the
 * response map (the logits), pulling neighbouring pixels towards the same cluster.
 */
export function spatialLoss(logits: tf.Tensor2D, size: number): tf.Scalar {
  const r = tf.reshape(logits, [size, size, -1]);
  const dy = tf.sub(tf.slice(r, [1, 0, 0], [size - 1, size, -1]), tf.slice(r, [0, 0, 0], [size - 1, size, -1]));
  const dx = tf.sub(tf.slice(r, [0, 1, 0], [size, size - 1, -1]), tf.slice(r, [0, 0, 0], [size, size - 1, -1]));
  return tf.add(tf.mean(tf.abs(dy)), tf.mean(tf.abs(dx)));
}
