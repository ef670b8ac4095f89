// Per-image S3-Net training: build a fresh network, optimise it on this image alone, return its label map.
import { tf } from './tf';
import { validateConfig, type S3NetConfig } from './config';
import type { BackendName, RgbImage, SegmentationResult, TrainProgress } from './types';
import { watchGpuDevice, type GpuWatch } from './webgpu';
import { useBackend } from './backend';
import { createS3Net } from './network';
import { faithfulConsistencyLoss, faithfulSpatialValue, selfLabelLoss, spatialLoss } from './losses';
import { substream } from './random';
import { createMomentumSgd } from './optimizer';
import { affineConsistencyStep, affineConsistencyStepAsync, explicitStep, explicitStepAsync } from './backprop';
import { randomAffine, warpLabels, warpRgb } from './affine';
import { crossEntropy } from './losses';

export interface TrainOptions {
  readonly onProgress?: (progress: TrainProgress) => void;
  readonly signal?: AbortSignal;
  /** Start from these weights (a neighbouring slice's) instead of a fresh initialisation. */
  readonly warmStart?: ReadonlyMap<string, Float32Array>;
  /** Return the trained weights, for warm-starting the next slice. */
  readonly keepWeights?: boolean;
  /** Return the final forward pass's features (what the prompted head trains on: model/prompt). */
  readonly keepFeatures?: boolean;
}

export interface TrainOutcome extends SegmentationResult {
  readonly weights?: Map<string, Float32Array>;
  /**
   * size² × 2·channels per-pixel features of the final forward pass: the deformable stage's output (the main head's
   * input) and the attention trunk's (the auxiliary head's input), side by side.
   */
  readonly features?: Float32Array;
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

/**
 * Bilinear resampling to size × size with half-pixel centres, as TF.js's resizeBilinear (and, like the reference's
 * cv2 resize, without an anti-aliasing prefilter: measured on PH2, averaging the photo down instead lowers the mean
 * Dice from 0.889 to 0.865). Done in JavaScript so a 12-megapixel photo never enters the wasm heap.
 */
export function resizeBilinearRgb(image: RgbImage, size: number): Float32Array {
  const { width, height, data } = image;
  const out = new Float32Array(size * size * 3);
  const sy = height / size, sx = width / size;
  for (let y = 0; y < size; y++) {
    const fy = sy * (y + 0.5) - 0.5;
    const y0 = Math.max(0, Math.floor(fy)), y1 = Math.min(height - 1, Math.ceil(fy));
    const ry = fy - y0;
    for (let x = 0; x < size; x++) {
      const fx = sx * (x + 0.5) - 0.5;
      const x0 = Math.max(0, Math.floor(fx)), x1 = Math.min(width - 1, Math.ceil(fx));
      const rx = fx - x0;
      for (let c = 0; c < 3; c++) {
        const tl = data[(y0 * width + x0) * 3 + c] as number, tr = data[(y0 * width + x1) * 3 + c] as number;
        const bl = data[(y1 * width + x0) * 3 + c] as number, br = data[(y1 * width + x1) * 3 + c] as number;
        const top = tl + (tr - tl) * rx, bottom = bl + (br - bl) * rx;
        out[(y * size + x) * 3 + c] = top + (bottom - top) * ry;
      }
    }
  }
  return out;
}

/** Adds two passes' gradients per variable (disposing both inputs' tensors that were summed). */
function sumGradients(a: Map<tf.Variable, tf.Tensor>, b: Map<tf.Variable, tf.Tensor>): Map<tf.Variable, tf.Tensor> {
  const out = new Map(a);
  for (const [v, g] of b) {
    const prev = out.get(v);
    if (!prev) {
      out.set(v, g);
      continue;
    }
    out.set(v, tf.add(prev, g));
    tf.dispose([prev, g]);
  }
  return out;
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Trains S3-Net on one image and returns its clustering. Runs on the caller's thread: use the worker runner
 * (runner.ts) from anything with an event loop that must stay responsive. Leaves no tensors behind, also on cancel.
 */
export async function trainImage(image: RgbImage, partial: Partial<S3NetConfig> = {}, options: TrainOptions = {}): Promise<TrainOutcome> {
  const config = validateConfig(partial);
  validateImage(image);
  if (options.signal?.aborted) throw new TrainingAbortedError();
  const backend = await useBackend(config.backend);
  if (backend !== 'webgpu') return trainOn(backend, image, config, options);
  // A GPU that fails mid-run (device lost, out of memory) costs this image its GPU run, never its mask: it is trained
  // again from the start on the wasm kernels (or cpu where wasm is missing), and the outcome says why.
  const watch = watchGpuDevice();
  try {
    return await trainOn('webgpu', image, config, options, watch);
  } catch (err) {
    if (err instanceof TrainingAbortedError) throw err;
    const reason = watch.failure() ?? (err as Error).message;
    const to = await useBackend('wasm').catch(() => useBackend('cpu'));
    return { ...(await trainOn(to, image, config, options)), fallback: { from: 'webgpu', reason } };
  } finally {
    watch.stop();
  }
}

async function trainOn(backend: BackendName, image: RgbImage, config: S3NetConfig, options: TrainOptions, watch?: GpuWatch): Promise<TrainOutcome> {
  const { signal, onProgress } = options;
  const started = performance.now();
  const S = config.size;
  const palette = labelPalette(config);

  // Resampled in JavaScript: a 4288×2848 photo would otherwise grow the wasm heap by 150 MB it never gives back.
  const resized = Float32Array.from(image.width === S && image.height === S ? image.data : resizeBilinearRgb(image, S), (v) => Math.min(1, Math.max(0, v)));
  const input = tf.tensor4d(resized, [1, S, S, 3]);
  const net = createS3Net(config, options.warmStart);
  // wasm and webgpu carry our kernels: the explicit backward pass; webgpu reads its results asynchronously.
  const explicit = backend === 'wasm' || backend === 'webgpu';
  const gpu = backend === 'webgpu';
  const affine = config.consistency === 'affine';
  const affineStream = substream(config.seed, 'affine');
  const V = config.consistencySize;
  const optimizer = createMomentumSgd(net.variables, config.learningRate, config.momentum);
  let iterations = 0;
  let stoppedBy: TrainOutcome['stoppedBy'] = 'maxIterations';
  try {
    for (let i = 0; i < config.maxIterations; i++) {
      if (signal?.aborted) throw new TrainingAbortedError();
      let labels: Int32Array;
      let ce: number, consistency: number, spatialTerm: number;
      // The affine view of this iteration: T drawn from the seed's own stream, T(x) resampled in JavaScript.
      const t = affine ? randomAffine(affineStream, S, V) : null;
      const view = t ? warpRgb(resized, S, t, V) : null;
      if (explicit) {
        // wasm, webgpu: the hand-written backward pass (half the memory of the tape, same gradients: tested).
        const terms = { auxConsistency: !affine, spatialL1: config.spatial === 'l1' };
        const step = gpu ? await explicitStepAsync(net.params, input, config, terms) : explicitStep(net.params, input, config, terms);
        let grads = step.grads;
        consistency = step.consistency;
        if (t && view) {
          // A second pass on T(x), after the first has freed its saves: peak memory is the larger pass, not the sum.
          const v = tf.tensor4d(view, [1, V, V, 3]);
          const tl = tf.tensor1d(warpLabels(step.labels, S, t, V), 'int32');
          let pass: Awaited<ReturnType<typeof affineConsistencyStepAsync>>;
          try {
            pass = gpu ? await affineConsistencyStepAsync(net.params, v, tl, config) : affineConsistencyStep(net.params, v, tl, config);
          } catch (err) {
            tf.dispose([...grads.values()]);
            throw err;
          } finally {
            tf.dispose([v, tl]);
          }
          grads = sumGradients(grads, pass.grads);
          consistency = pass.consistency;
        }
        optimizer.step(Object.fromEntries([...grads].map(([v, g]) => [v.name, g])));
        tf.dispose([...grads.values()]);
        ({ labels, selfLabel: ce, spatial: spatialTerm } = step);
      } else {
        let target: tf.Tensor1D | undefined;
        let terms: tf.Scalar[] = [];
        const { value, grads } = tf.variableGrads(() => {
          const { logits, aux } = net.forward(input);
          const self = selfLabelLoss(logits);
          target = tf.keep(self.target);
          let cons: tf.Scalar;
          if (t && view) {
            const tl = tf.tensor1d(warpLabels(self.target.dataSync() as Int32Array, S, t, V), 'int32');
            const auxView = net.stages.aux(net.stages.attention(net.stages.stem(tf.tensor4d(view, [1, V, V, 3]))));
            cons = crossEntropy(auxView, tl);
          } else {
            cons = faithfulConsistencyLoss(aux, self.target);
          }
          // The reference's spatial term is a constant (no gradient), added after the step for reporting.
          const spatial = config.spatial === 'l1' ? spatialLoss(logits, S) : tf.scalar(0);
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
      // A lost device can read back zeros rather than fail: trust nothing computed after a GPU failure.
      watch?.check();
      const spatial = config.spatial === 'labels' ? faithfulSpatialValue(labels, S, palette) : spatialTerm;
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
    const [final, features] = tf.tidy(() => {
      const h = net.stages.attention(net.stages.stem(input));
      const d = net.stages.deformable(h);
      const argmax = tf.argMax(net.stages.head(d), 1);
      return options.keepFeatures ? [argmax, tf.concat([d, h], 1)] : [argmax];
    });
    let labels: Uint8Array;
    let featureValues: Float32Array | undefined;
    try {
      labels = Uint8Array.from((await final!.data()) as Int32Array);
      featureValues = features ? ((await features.data()) as Float32Array).slice() : undefined;
    } finally {
      tf.dispose([final!, ...(features ? [features] : [])]);
    }
    watch?.check();
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
      ...(featureValues ? { features: featureValues } : {}),
    };
  } finally {
    net.dispose();
    optimizer.dispose();
    input.dispose();
  }
}
