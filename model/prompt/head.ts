// The prompted head: a 1×1 convolution (one logit per pixel: target vs not) trained on S3-Net's own features
// with the seeded objective, warm-started from the image's previous head. Plain typed-array maths: a step is
// a few million multiply-adds, far below the cost of moving it into a tensor engine.
import { substream } from '../random';
import { SEED_BACKGROUND, SEED_TARGET, type SeedMap } from './types';

/** Per-pixel features at the working size, standardised per channel (mean 0, variance 1). */
export interface FeatureMap {
  readonly size: number;
  /** Channels per pixel. */
  readonly channels: number;
  /** size² × channels, row-major pixels, channels innermost. */
  readonly data: Float32Array;
}

export interface HeadWeights {
  readonly w: Float32Array;
  readonly b: number;
}

export interface HeadOptions {
  /** Adam steps from a fresh head … */
  readonly steps: number;
  /** … and from a warm one (the image's previous head). */
  readonly warmSteps: number;
  readonly learningRate: number;
  /** L2 on the weights (keeps a head fitted on a few clicks from extrapolating wildly). */
  readonly weightDecay: number;
  /** Self-labelling on unseeded pixels: cross-entropy of each against its own current decision (entropy minimisation). */
  readonly selfLabelWeight: number;
  /** Seeded pixels sampled per class and source, at most (the band outside is ≈250× a click). */
  readonly maxPerClass: number;
  readonly unlabelledSamples: number;
  readonly seed: number;
}

export const DEFAULT_HEAD: HeadOptions = Object.freeze({
  steps: 80,
  warmSteps: 40,
  learningRate: 0.05,
  weightDecay: 1e-3,
  selfLabelWeight: 0.1,
  maxPerClass: 1000,
  unlabelledSamples: 500,
  seed: 1,
});

/** w·x[o..o+F) + b: the head's logit of one pixel (one small function, so the engine keeps it optimised). */
function logitAt(X: Float32Array, o: number, w: Float64Array, F: number, b: number): number {
  let z0 = b, z1 = 0, z2 = 0, z3 = 0;
  let c = 0;
  for (; c + 3 < F; c += 4) {
    z0 += (w[c] as number) * (X[o + c] as number);
    z1 += (w[c + 1] as number) * (X[o + c + 1] as number);
    z2 += (w[c + 2] as number) * (X[o + c + 2] as number);
    z3 += (w[c + 3] as number) * (X[o + c + 3] as number);
  }
  for (; c < F; c++) z0 += (w[c] as number) * (X[o + c] as number);
  return z0 + z1 + z2 + z3;
}

/** g[0..F) += d·x[o..o+F), g[F] += d. */
function accumulate(g: Float64Array, X: Float32Array, o: number, F: number, d: number): void {
  for (let c = 0; c < F; c++) g[c] = (g[c] as number) + d * (X[o + c] as number);
  g[F] = (g[F] as number) + d;
}

/** Standardises features in place (per channel) and returns them as a FeatureMap. */
export function standardise(data: Float32Array, size: number, channels: number): FeatureMap {
  const P = size * size;
  const mean = new Float64Array(channels), sq = new Float64Array(channels);
  for (let i = 0; i < P; i++) {
    const o = i * channels;
    for (let c = 0; c < channels; c++) {
      const v = data[o + c] as number;
      mean[c] = (mean[c] as number) + v;
      sq[c] = (sq[c] as number) + v * v;
    }
  }
  const scale = new Float32Array(channels), shift = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    const m = (mean[c] as number) / P;
    const variance = Math.max(0, (sq[c] as number) / P - m * m);
    scale[c] = variance > 1e-12 ? 1 / Math.sqrt(variance) : 0;
    shift[c] = m;
  }
  for (let i = 0; i < P; i++) {
    const o = i * channels;
    for (let c = 0; c < channels; c++) data[o + c] = ((data[o + c] as number) - (shift[c] as number)) * (scale[c] as number);
  }
  return { size, channels, data };
}

/** A training set: working-size pixel indices with their class (1 target, 0 background) and weight. */
export interface SeedSamples {
  readonly index: Int32Array;
  readonly target: Uint8Array;
  readonly weight: Float32Array;
}

/**
 * Native seeds → working-size cells (a cell takes the majority of its seeded native pixels), then a stratified
 * sample of at most maxPerClass per class. Each class carries total weight `weight` whatever its size: a click
 * is not drowned by the band (balanced per class).
 */
export function sampleSeeds(seeds: SeedMap, size: number, weight: number, maxPerClass: number, rand: () => number): SeedSamples {
  const { width, height, data } = seeds;
  const P = size * size;
  const votes = new Int32Array(P * 2);
  for (let y = 0; y < height; y++) {
    const cy = Math.min(size - 1, Math.floor((y * size) / height)) * size;
    for (let x = 0; x < width; x++) {
      const v = data[y * width + x];
      if (v !== SEED_TARGET && v !== SEED_BACKGROUND) continue;
      const cell = cy + Math.min(size - 1, Math.floor((x * size) / width));
      votes[cell * 2 + (v === SEED_TARGET ? 1 : 0)] = (votes[cell * 2 + (v === SEED_TARGET ? 1 : 0)] as number) + 1;
    }
  }
  const byClass: number[][] = [[], []];
  for (let i = 0; i < P; i++) {
    const bg = votes[i * 2] as number, fg = votes[i * 2 + 1] as number;
    if (fg > bg) byClass[1]!.push(i);
    else if (bg > fg) byClass[0]!.push(i);
  }
  const index: number[] = [], target: number[] = [], w: number[] = [];
  for (const cls of [0, 1]) {
    let cells = byClass[cls]!;
    if (cells.length > maxPerClass) {
      // Partial Fisher–Yates: a seeded, uniform subset.
      cells = cells.slice();
      for (let k = 0; k < maxPerClass; k++) {
        const j = k + Math.floor(rand() * (cells.length - k));
        [cells[k], cells[j]] = [cells[j]!, cells[k]!];
      }
      cells.length = maxPerClass;
    }
    for (const i of cells) {
      index.push(i);
      target.push(cls);
      w.push(weight / cells.length);
    }
  }
  return { index: Int32Array.from(index), target: Uint8Array.from(target), weight: Float32Array.from(w) };
}

export function mergeSamples(parts: readonly SeedSamples[]): SeedSamples {
  const n = parts.reduce((a, p) => a + p.index.length, 0);
  const index = new Int32Array(n), target = new Uint8Array(n), weight = new Float32Array(n);
  let o = 0;
  for (const p of parts) {
    index.set(p.index, o);
    target.set(p.target, o);
    weight.set(p.weight, o);
    o += p.index.length;
  }
  return { index, target, weight };
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

export interface HeadFit {
  readonly head: HeadWeights;
  readonly steps: number;
  /** The seeded loss at the end (balanced BCE). */
  readonly seededLoss: number;
  /** shouldStop ended it early. */
  readonly aborted: boolean;
}

/**
 * Fits the head: balanced binary cross-entropy on the seeded cells, self-labelling on a sample of the others, L2 on
 * the weights; Adam. `signal` is checked between steps (a new prompt supersedes this one).
 */
export function fitHead(features: FeatureMap, samples: SeedSamples, warm: HeadWeights | undefined, partial: Partial<HeadOptions> = {}, shouldStop?: () => boolean): HeadFit {
  const o = { ...DEFAULT_HEAD, ...partial };
  const F = features.channels, X = features.data, P = features.size * features.size;
  const w = new Float64Array(F);
  if (warm) w.set(warm.w.subarray(0, F));
  let b = warm ? warm.b : 0;
  const steps = warm ? o.warmSteps : o.steps;
  const rand = substream(o.seed, 'head-unlabelled');
  const unlabelled = Int32Array.from({ length: o.selfLabelWeight > 0 ? o.unlabelledSamples : 0 }, () => Math.floor(rand() * P));
  const mw = new Float64Array(F + 1), vw = new Float64Array(F + 1), g = new Float64Array(F + 1);
  const totalSeedWeight = samples.weight.reduce((a, v) => a + v, 0) || 1;
  const b1 = 0.9, b2 = 0.999, eps = 1e-8;
  let seededLoss = 0, done = 0, aborted = false;
  for (let t = 1; t <= steps; t++) {
    if (shouldStop?.()) {
      aborted = true;
      break;
    }
    g.fill(0);
    seededLoss = 0;
    for (let k = 0; k < samples.index.length; k++) {
      const o0 = (samples.index[k] as number) * F;
      const p = sigmoid(logitAt(X, o0, w, F, b)), y = samples.target[k] as number, wt = (samples.weight[k] as number) / totalSeedWeight;
      seededLoss -= wt * Math.log(Math.max(1e-7, y ? p : 1 - p));
      accumulate(g, X, o0, F, wt * (p - y));
    }
    const wu = unlabelled.length ? o.selfLabelWeight / unlabelled.length : 0;
    for (let k = 0; k < unlabelled.length; k++) {
      const o0 = (unlabelled[k] as number) * F;
      const p = sigmoid(logitAt(X, o0, w, F, b));
      accumulate(g, X, o0, F, wu * (p - (p >= 0.5 ? 1 : 0)));
    }
    for (let c = 0; c <= F; c++) {
      const grad = (g[c] as number) + (c < F ? o.weightDecay * (w[c] as number) : 0);
      mw[c] = b1 * (mw[c] as number) + (1 - b1) * grad;
      vw[c] = b2 * (vw[c] as number) + (1 - b2) * grad * grad;
      const step = (o.learningRate * ((mw[c] as number) / (1 - b1 ** t))) / (Math.sqrt((vw[c] as number) / (1 - b2 ** t)) + eps);
      if (c < F) w[c] = (w[c] as number) - step;
      else b -= step;
    }
    done = t;
  }
  return { head: { w: Float32Array.from(w), b }, steps: done, seededLoss, aborted };
}

/** The head's logit for every working-size pixel. */
export function headLogits(features: FeatureMap, head: HeadWeights): Float32Array {
  const F = features.channels, X = features.data, P = features.size * features.size;
  const w = Float64Array.from(head.w.subarray(0, F));
  const out = new Float32Array(P);
  for (let i = 0; i < P; i++) out[i] = logitAt(X, i * F, w, F, head.b);
  return out;
}
