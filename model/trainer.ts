// Per-image S3-Net training: build a fresh network, optimise it on this image alone, return its label map.
import { tf } from './tf';
import { validateConfig, type S3NetConfig } from './config';
import type { RgbImage, SegmentationResult, TrainProgress } from './types';
import { useBackend } from './backend';
import { createS3Net } from './network';
import { faithfulConsistencyLoss, faithfulSpatialValue, selfLabelLoss, spatialLoss } from './losses';
import { substream } from './random';
import { createMomentumSgd } from './optimizer';
import { explicitStep } from './backprop';

export interface TrainOptions {
  readonly onProgress?: (progress: TrainProgress) => void;
  readonly signal?: AbortSignal;
  /** Start from these weights (a neighbouring slice's) instead of a fresh initialisation. */
  readonly warmStart?: ReadonlyMap<string, Float32Array>;
  /** Return the trained weights, for warm-starting the next slice. */
  readonly keepWeights?: boolean;
}

export interface TrainOutcome extends SegmentationResult {
  readonly weights?: Map<string, Float32Array>;
}

export class TrainingAbortedError extends Error {
  constructor() {
    super('training cancelled');
    this.name = 'AbortError';
  }
}

export function validateImage(image: RgbImage): void {
  const { width, height, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`image size must be positive integers, got ${width}×${height}`);
  }
  if (!(data instanceof Float32Array) || data.length !== width * height * 3) {
    throw new RangeError(`image data must be a Float32Array of ${width * height * 3} values (RGB), got ${data?.length}`);
  }
}

/** The reference draws its label palette with np.random.randint(255): integers in [0, 254]. */
function labelPalette(config: S3NetConfig): Float32Array {
  const rand = substream(config.seed, 'palette');
  return Float32Array.from({ length: config.channels * 3 }, () => Math.floor(rand() * 255));
}

function countLabels(labels: Int32Array, channels: number): number {
  const seen = new Uint8Array(channels);
  let n = 0;
  for (const l of labels) {
    if (!seen[l]) {
      seen[l] = 1;
      n++;
    }
  }
  return n;
}

/** Box-filter downsampling to size × size (each output pixel is the mean of the input pixels that fall in it). */
export function areaAverage(image: RgbImage, size: number): Float32Array {
  const { width, height, data } = image;
  const sum = new Float64Array(size * size * 3), n = new Uint32Array(size * size);
  for (let y = 0; y < height; y++) {
    const row = Math.min(size - 1, Math.floor((y * size) / height)) * size;
    for (let x = 0; x < width; x++) {
      const t = row + Math.min(size - 1, Math.floor((x * size) / width));
      const i = (y * width + x) * 3;
      sum[t * 3] = (sum[t * 3] as number) + (data[i] as number);
      sum[t * 3 + 1] = (sum[t * 3 + 1] as number) + (data[i + 1] as number);
      sum[t * 3 + 2] = (sum[t * 3 + 2] as number) + (data[i + 2] as number);
      n[t] = (n[t] as number) + 1;
    }
  }
  return Float32Array.from(sum, (v, i) => v / (n[Math.floor(i / 3)] as number));
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Trains S3-Net on one image and returns its clustering. Runs on the caller's thread: use the worker runner
 * (runner.ts) from anything with an event loop that must stay responsive. Leaves no tensors behind, also on cancel.
 */
export async function trainImage(image: RgbImage, partial: Partial<S3NetConfig> = {}, options: TrainOptions = {}): Promise<TrainOutcome> {
  const config = validateConfig(partial);
  validateImage(image);
  const { signal, onProgress } = options;
  if (signal?.aborted) throw new TrainingAbortedError();
  const backend = await useBackend(config.backend);
  const started = performance.now();
  const S = config.size;
  const faithful = config.mode === 'faithful';
  const palette = labelPalette(config);

  const input = tf.tidy(() => {
    // Large photographs are averaged down in JavaScript: a 4288×2848 image would otherwise grow the wasm heap by
    // 150 MB that it never gives back. Smaller inputs are interpolated up by TF.js.
    const shrink = image.width >= S && image.height >= S;
    const full = shrink ? tf.tensor4d(areaAverage(image, S), [1, S, S, 3]) : tf.tensor4d(image.data, [1, image.height, image.width, 3]);
    const resized = shrink ? full : tf.image.resizeBilinear(full, [S, S], false, true);
    return tf.clipByValue(resized, 0, 1) as tf.Tensor4D;
  });
  const net = createS3Net(config, options.warmStart);
  const explicit = backend === 'wasm' && faithful;
  const optimizer = createMomentumSgd(net.variables, config.learningRate, config.momentum);
  let iterations = 0;
  let stoppedBy: TrainOutcome['stoppedBy'] = 'maxIterations';
  try {
    for (let i = 0; i < config.maxIterations; i++) {
      if (signal?.aborted) throw new TrainingAbortedError();
      let labels: Int32Array;
      let ce: number, consistency: number, spatialTerm: number;
      if (explicit) {
        // wasm, faithful: the hand-written backward pass (half the memory of the tape, same gradients: tested).
        const step = explicitStep(net.params, input, config);
        optimizer.step(Object.fromEntries([...step.grads].map(([v, g]) => [v.name, g])));
        tf.dispose([...step.grads.values()]);
        ({ labels, selfLabel: ce, consistency } = step);
        spatialTerm = 0;
      } else {
        let target: tf.Tensor1D | undefined;
        let terms: tf.Scalar[] = [];
        const { value, grads } = tf.variableGrads(() => {
          const { logits, aux } = net.forward(input);
          const self = selfLabelLoss(logits);
          target = tf.keep(self.target);
          const cons = faithfulConsistencyLoss(aux, self.target);
          // Faithful: the reference's spatial term is a constant (no gradient), added after the step for reporting.
          const spatial = faithful ? tf.scalar(0) : spatialLoss(logits, S);
          terms = [self.loss, cons, spatial].map((t) => tf.keep(t));
          return tf.addN([
            tf.mul(self.loss, config.selfLabelWeight),
            tf.mul(cons, config.consistencyWeight),
            tf.mul(spatial, config.spatialWeight),
          ]) as tf.Scalar;
        }, net.variables as tf.Variable[]);
        optimizer.step(grads);
        tf.dispose(grads);
        labels = Int32Array.from(target?.dataSync() as Int32Array);
        [ce, consistency, spatialTerm] = terms.map((t) => t.dataSync()[0] as number) as [number, number, number];
        tf.dispose([value, target as tf.Tensor, ...terms]);
      }
      const spatial = faithful ? faithfulSpatialValue(labels, S, palette) : spatialTerm;
      const loss = config.selfLabelWeight * ce + config.consistencyWeight * consistency + config.spatialWeight * spatial;
      const nLabels = countLabels(labels, config.channels);
      iterations = i + 1;
      onProgress?.({
        iteration: iterations,
        maxIterations: config.maxIterations,
        loss,
        selfLabel: ce,
        consistency,
        spatial,
        labels: nLabels,
        elapsedMs: performance.now() - started,
      });
      if (nLabels <= config.minLabels && i >= config.minIterations) {
        stoppedBy = 'minLabels';
        break;
      }
      // Lets an abort (or a worker's message) arrive between iterations.
      await yieldToEventLoop();
    }
    if (signal?.aborted) throw new TrainingAbortedError();
    const final = tf.tidy(() => tf.argMax(net.forward(input).logits, 1));
    const labels = Uint8Array.from(final.dataSync() as Int32Array);
    final.dispose();
    return {
      size: S,
      labels,
      clusters: countLabels(Int32Array.from(labels), config.channels),
      iterations,
      seconds: (performance.now() - started) / 1000,
      backend,
      mode: config.mode,
      stoppedBy,
      ...(options.keepWeights ? { weights: net.snapshot() } : {}),
    };
  } finally {
    net.dispose();
    optimizer.dispose();
    input.dispose();
  }
}
