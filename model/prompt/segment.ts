// Prompted S3-Net on one image: the self-supervised network's features, a head trained on seeds, the mask it gives.
import { trainImage, type TrainOptions } from '../trainer';
import type { S3NetConfig } from '../config';
import type { BackendName, RgbImage } from '../types';
import { substream } from '../random';
import { labelComponents, labelHoles } from '../postprocess/morphology-extra';
import { poolToSize } from '../postprocess/components';
import { fitHead, headLogits, mergeSamples, sampleSeeds, standardise, type FeatureMap, type HeadOptions, type HeadWeights, type SeedSamples } from './head';
import { SEED_BACKGROUND, SEED_TARGET, type SeedMap } from './types';

/** Which of S3-Net's per-pixel features the head reads (ablated in docs/EVALUATION.md). */
export type FeatureSet = 'both' | 'deformable' | 'trunk';

/** One image made ready for prompts: S3-Net trained on it (self-supervised) and its features kept. */
export interface PreparedImage {
  readonly width: number;
  readonly height: number;
  readonly size: number;
  /** S3-Net's clusters at the working size (the label map the rules and the cluster view read). */
  readonly labels: Uint8Array;
  readonly clusters: number;
  readonly features: FeatureMap;
  /** The photo's (or windowed slice's) RGB area-averaged to the working size, size² × 3: the head's colour skip. */
  readonly colour: Float32Array;
  readonly backbone: { readonly iterations: number; readonly seconds: number; readonly backend: BackendName; readonly stoppedBy: string };
  readonly weights?: Map<string, Float32Array>;
}

export interface PrepareOptions extends Omit<TrainOptions, 'keepFeatures'> {
  readonly features?: FeatureSet;
}

/** Trains S3-Net on the image (its self-labelling objective, no seeds) and keeps the features of the final pass. */
export async function prepareImage(image: RgbImage, config: Partial<S3NetConfig>, options: PrepareOptions = {}): Promise<PreparedImage> {
  const { features: set = 'both', ...train } = options;
  const r = await trainImage(image, config, { ...train, keepFeatures: true });
  const raw = r.features as Float32Array;
  const P = r.size * r.size, C2 = raw.length / P, C = C2 / 2;
  let data = raw;
  if (set !== 'both') {
    data = new Float32Array(P * C);
    const offset = set === 'deformable' ? 0 : C;
    for (let i = 0; i < P; i++) data.set(raw.subarray(i * C2 + offset, i * C2 + offset + C), i * C);
  }
  return {
    width: image.width,
    height: image.height,
    size: r.size,
    labels: r.labels,
    clusters: r.clusters,
    features: standardise(data, r.size, set === 'both' ? C2 : C),
    colour: workingColour(image, r.size),
    backbone: { iterations: r.iterations, seconds: r.seconds, backend: r.backend, stoppedBy: r.stoppedBy },
    ...(r.weights ? { weights: r.weights } : {}),
  };
}

/** Seeds with the weight their class carries in the objective (each class of each source is balanced on its own). */
export interface SeedSource {
  readonly seeds: SeedMap;
  readonly weight: number;
}

/** RGB area-averaged to size × size. */
export function workingColour(image: RgbImage, size: number): Float32Array {
  const out = new Float32Array(size * size * 3);
  for (let c = 0; c < 3; c++) {
    const pooled = poolToSize(image.width, image.height, size, (i) => image.data[i * 3 + c] as number);
    for (let i = 0; i < pooled.length; i++) out[i * 3 + c] = pooled[i] as number;
  }
  return out;
}

export interface SeededOptions {
  /**
   * The image itself: the head then also reads its colour (a skip connection from the input, standardised), at the
   * working size to train and at native resolution to decide, so the outline follows the image's own edges.
   * Without it the head reads S3-Net's features only and its outline is the working size's, upsampled.
   */
  readonly image?: RgbImage;
  /** The user's own seeds: they decide their pixels outright, whatever the head says. */
  readonly definite?: SeedMap;
  /** Extra per-pixel channels at the working size (click proximity, the previous mask), after the colour's. */
  readonly guidance?: readonly Float32Array[];
  /** Pixels (native x, y) the user pointed at: the component under an include is kept, one under only excludes dropped. */
  readonly anchors?: { readonly include: readonly (readonly [number, number])[]; readonly exclude: readonly (readonly [number, number])[] };
  /** The image's previous head: a new prompt continues from it. */
  readonly warmHead?: HeadWeights;
  readonly head?: Partial<HeadOptions>;
  /** Fill every hole ('all': a lesion), or only holes below this share of the mask's area (lungs keep the hilum open). */
  readonly holes?: 'all' | number;
  /** Checked between optimisation steps: true stops early (a newer prompt has arrived). */
  readonly shouldStop?: () => boolean;
  readonly seed?: number;
}

export interface SeededMask {
  /** 0/1 at native resolution. */
  readonly mask: Uint8Array;
  readonly width: number;
  readonly height: number;
  readonly head: HeadWeights;
  readonly steps: number;
  readonly seconds: number;
  /** Share of the seeded working cells the head classifies as their seed says (how well the prompts were fitted). */
  readonly fit: number;
  /** Mean decision margin |2σ(z) − 1| over the pixels no seed decided (how sure the network is where it had to choose). */
  readonly margin: number;
  readonly aborted: boolean;
}

/**
 * The seeded objective on S3-Net's features: the head (a 1×1 convolution, one logit per pixel) is trained on the
 * seeded pixels, its logits brought to native resolution (bilinear, half-pixel centres), thresholded at 0 and
 * cleaned there: components that hold an include anchor, or (without anchors) that overlap the target seeds, are
 * kept; holes are filled.
 */
export function segmentSeeded(prepared: PreparedImage, sources: readonly SeedSource[], options: SeededOptions = {}): SeededMask {
  const started = performance.now();
  const { width, height, size } = prepared;
  const skip = options.image ? withColour(prepared) : undefined;
  const base = skip?.features ?? prepared.features;
  const features = options.guidance?.length ? appendChannels(base, options.guidance) : base;
  const rand = substream(options.seed ?? 1, 'head-seeds');
  const maxPerClass = options.head?.maxPerClass ?? 3000;
  const samples = balanceClasses(mergeSamples(sources.map((s) => sampleSeeds(s.seeds, size, s.weight, maxPerClass, rand))));
  const fitted = fitHead(features, samples, options.warmHead, options.head ?? {}, options.shouldStop);
  const logits = headLogits(features, fitted.head);
  let fitOk = 0;
  for (let k = 0; k < samples.index.length; k++) if ((logits[samples.index[k] as number] as number) > 0 === (samples.target[k] === 1)) fitOk++;
  let native: Float32Array;
  if (skip && options.image) {
    // The S3-Net part at the working size, upsampled; the colour part at each native pixel.
    // The working-size part: every channel but the colour's.
    const F = prepared.features.channels;
    const wWorking = Float32Array.from(fitted.head.w);
    wWorking.fill(0, F, F + 3);
    const featurePart = headLogits(features, { w: wWorking, b: fitted.head.b });
    native = upsampleLogits(featurePart, size, width, height);
    const wc = [0, 1, 2].map((c) => (fitted.head.w[F + c] as number) * (skip.scale[c] as number));
    const bias = -[0, 1, 2].reduce((a, c) => a + (wc[c] as number) * (skip.shift[c] as number), 0);
    const px = options.image.data;
    for (let i = 0; i < native.length; i++) {
      native[i] = (native[i] as number) + bias + (wc[0] as number) * (px[i * 3] as number) + (wc[1] as number) * (px[i * 3 + 1] as number) + (wc[2] as number) * (px[i * 3 + 2] as number);
    }
  } else {
    native = upsampleLogits(logits, size, width, height);
  }
  const raw = new Uint8Array(width * height);
  for (let i = 0; i < raw.length; i++) raw[i] = (native[i] as number) > 0 ? 1 : 0;
  // What the user marked is definite (as GrabCut treats its hard labels): a box's outside and an exclude disc are
  // never in the mask, an include disc always is.
  const definite = options.definite?.data;
  if (definite) for (let i = 0; i < raw.length; i++) if (definite[i]) raw[i] = definite[i] === SEED_TARGET ? 1 : 0;
  const mask = clean(raw, width, height, sources, options);
  let marginSum = 0, marginN = 0;
  const decided = new Uint8Array(width * height);
  for (const s of sources) for (let i = 0; i < decided.length; i++) if (s.seeds.data[i]) decided[i] = 1;
  for (let i = 0; i < native.length; i++) {
    if (decided[i]) continue;
    marginSum += Math.abs(2 / (1 + Math.exp(-(native[i] as number))) - 1);
    marginN++;
  }
  return {
    mask, width, height, head: fitted.head, steps: fitted.steps,
    seconds: (performance.now() - started) / 1000,
    fit: samples.index.length ? fitOk / samples.index.length : 1,
    margin: marginN ? marginSum / marginN : 1,
    aborted: fitted.aborted,
  };
}

/** size × size logits → width × height, bilinear with half-pixel centres (a linear head: the same as upsampling features). */
export function upsampleLogits(logits: Float32Array, size: number, width: number, height: number): Float32Array {
  const out = new Float32Array(width * height);
  const sx = size / width, sy = size / height;
  const x0s = new Int32Array(width), x1s = new Int32Array(width), rxs = new Float32Array(width);
  for (let x = 0; x < width; x++) {
    const fx = Math.min(size - 1, Math.max(0, (x + 0.5) * sx - 0.5));
    x0s[x] = Math.floor(fx);
    x1s[x] = Math.min(size - 1, (x0s[x] as number) + 1);
    rxs[x] = fx - (x0s[x] as number);
  }
  for (let y = 0; y < height; y++) {
    const fy = Math.min(size - 1, Math.max(0, (y + 0.5) * sy - 0.5));
    const y0 = Math.floor(fy), y1 = Math.min(size - 1, y0 + 1), ry = fy - y0;
    const r0 = y0 * size, r1 = y1 * size;
    for (let x = 0; x < width; x++) {
      const a = x0s[x] as number, b = x1s[x] as number, rx = rxs[x] as number;
      const top = (logits[r0 + a] as number) + ((logits[r0 + b] as number) - (logits[r0 + a] as number)) * rx;
      const bottom = (logits[r1 + a] as number) + ((logits[r1 + b] as number) - (logits[r1 + a] as number)) * rx;
      out[y * width + x] = top + (bottom - top) * ry;
    }
  }
  return out;
}

interface ColourSkip {
  readonly features: FeatureMap;
  readonly shift: Float32Array;
  readonly scale: Float32Array;
}
const skips = new WeakMap<PreparedImage, ColourSkip>();

/** S3-Net's standardised features with the standardised working-size colour appended (built once per image). */
function withColour(prepared: PreparedImage): ColourSkip {
  const cached = skips.get(prepared);
  if (cached) return cached;
  const { size, features, colour } = prepared;
  const F = features.channels, P = size * size;
  const shift = new Float32Array(3), scale = new Float32Array(3);
  for (let c = 0; c < 3; c++) {
    let m = 0, q = 0;
    for (let i = 0; i < P; i++) {
      const v = colour[i * 3 + c] as number;
      m += v;
      q += v * v;
    }
    m /= P;
    const sd = Math.sqrt(Math.max(0, q / P - m * m));
    shift[c] = m;
    scale[c] = sd > 1e-6 ? 1 / sd : 0;
  }
  const data = new Float32Array(P * (F + 3));
  for (let i = 0; i < P; i++) {
    data.set(features.data.subarray(i * F, (i + 1) * F), i * (F + 3));
    for (let c = 0; c < 3; c++) data[i * (F + 3) + F + c] = ((colour[i * 3 + c] as number) - (shift[c] as number)) * (scale[c] as number);
  }
  const skip = { features: { size, channels: F + 3, data }, shift, scale };
  skips.set(prepared, skip);
  return skip;
}

/**
 * Both classes weigh the same in total, whichever sources speak for them: one include click with the previous mask's
 * seeds must not tilt the head towards the target everywhere (sources keep their ratio within a class).
 */
function balanceClasses(s: SeedSamples): SeedSamples {
  const total = [0, 0];
  for (let k = 0; k < s.index.length; k++) { const c = s.target[k] as number; total[c] = (total[c] as number) + (s.weight[k] as number); }
  const weight = Float32Array.from(s.weight, (w, k) => (total[s.target[k] as number] ? w / (total[s.target[k] as number] as number) : 0));
  return { ...s, weight };
}

function appendChannels(f: FeatureMap, extra: readonly Float32Array[]): FeatureMap {
  const P = f.size * f.size, F = f.channels, G = extra.length, out = new Float32Array(P * (F + G));
  for (let i = 0; i < P; i++) {
    out.set(f.data.subarray(i * F, (i + 1) * F), i * (F + G));
    for (let g = 0; g < G; g++) out[i * (F + G) + F + g] = (extra[g] as Float32Array)[i] as number;
  }
  return { size: f.size, channels: F + G, data: out };
}

function clean(raw: Uint8Array, width: number, height: number, sources: readonly SeedSource[], options: SeededOptions): Uint8Array {
  const parts = labelComponents(raw, width, height, 8);
  const keep = new Uint8Array(parts.count + 1);
  const include = options.anchors?.include ?? [], exclude = options.anchors?.exclude ?? [];
  const idAt = ([x, y]: readonly [number, number]) => (x >= 0 && y >= 0 && x < width && y < height ? (parts.ids[y * width + x] as number) : 0);
  const excluded = new Uint8Array(parts.count + 1);
  for (const a of exclude) excluded[idAt(a)] = 1;
  for (const a of include) keep[idAt(a)] = 1;
  // Components overlapping the target seeds (the rule's core, the previous mask's core) stay unless an exclude
  // prompt lies on them and no include does.
  const seeded = new Int32Array(parts.count + 1), bgSeeded = new Int32Array(parts.count + 1);
  for (const s of sources) {
    for (let i = 0; i < raw.length; i++) {
      const id = parts.ids[i] as number;
      if (!id) continue;
      if (s.seeds.data[i] === SEED_TARGET) seeded[id] = (seeded[id] as number) + 1;
      else if (s.seeds.data[i] === SEED_BACKGROUND) bgSeeded[id] = (bgSeeded[id] as number) + 1;
    }
  }
  for (let id = 1; id <= parts.count; id++) {
    if (keep[id]) continue;
    if (!excluded[id] && (seeded[id] as number) > 0 && (seeded[id] as number) >= 0.05 * (bgSeeded[id] as number)) keep[id] = 1;
  }
  keep[0] = 0;
  const out = new Uint8Array(raw.length);
  for (let i = 0; i < out.length; i++) if (keep[parts.ids[i] as number]) out[i] = 1;
  const holes = labelHoles(out, width, height);
  if (holes.count) {
    let area = 0;
    for (const v of out) area += v;
    const limit = options.holes === undefined || options.holes === 'all' ? Infinity : options.holes * area;
    // A hole the user made with an exclude prompt stays open.
    const wanted = new Uint8Array(holes.count + 1);
    for (const [x, y] of exclude) if (x >= 0 && y >= 0 && x < width && y < height) wanted[holes.ids[y * width + x] as number] = 1;
    for (let i = 0; i < out.length; i++) {
      const h = holes.ids[i] as number;
      if (h && !wanted[h] && (holes.sizes[h] as number) <= limit) out[i] = 1;
    }
  }
  return out;
}
