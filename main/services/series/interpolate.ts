// Morphological contour interpolation between annotated slices: regions matched by overlap, shapes blended by signed distance.
import { labelComponents, type Labelling } from '../../../model/postprocess/morphology-extra';
import { signedDistance } from './distance';

export interface InterpolationInput {
  readonly width: number;
  readonly height: number;
  /** Number of slices in the series. */
  readonly count: number;
  /** The user's masks (0/1, width × height) by slice index; an empty mask is an annotation too (nothing there). */
  readonly annotated: ReadonlyMap<number, Uint8Array>;
  /** Each slice's position along the slice normal (mm); slice indices when absent. Uneven spacing is honoured. */
  readonly positions?: readonly number[];
  /** In-plane [row spacing, column spacing] (mm), so distances are isotropic in the patient. */
  readonly spacing?: readonly [number, number];
}

export interface InterpolatedSlice {
  readonly index: number;
  readonly mask: Uint8Array;
  /** The annotated slices it lies between. */
  readonly from: readonly [number, number];
  /** Fraction of the way from `from[0]` to `from[1]` (by position). */
  readonly t: number;
  /**
   * 1 − 2·min(t, 1 − t)·(1 − Dice of the two bounding masks): 1 next to an annotation or between identical shapes,
   * falling to that Dice half-way across a gap where the shape changes.
   */
  readonly confidence: number;
}

/** Pixels set in both / in either, for Dice. */
function dice(a: Uint8Array, b: Uint8Array): number {
  let both = 0, sum = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ? 1 : 0, y = b[i] ? 1 : 0;
    both += x & y;
    sum += x + y;
  }
  return sum === 0 ? 1 : (2 * both) / sum;
}

interface Region {
  /** Pixel sets on the lower and upper slice (either may be empty: the structure starts or ends in the gap). */
  readonly lower: Uint8Array;
  readonly upper: Uint8Array;
  readonly box: { x0: number; y0: number; x1: number; y1: number };
}

/**
 * Pairs the connected components of the two slices: components that overlap, directly or through a chain (one
 * region splitting into two, two merging into one), form one region; a component that overlaps nothing is a
 * region of its own with an empty other side.
 */
export function matchRegions(lower: Uint8Array, upper: Uint8Array, width: number, height: number): Region[] {
  const a = labelComponents(lower, width, height, 8);
  const b = labelComponents(upper, width, height, 8);
  const parent = Int32Array.from({ length: a.count + b.count + 1 }, (_, i) => i);
  const find = (x: number): number => {
    while (parent[x] !== x) x = parent[x] = parent[parent[x] as number] as number;
    return x;
  };
  for (let i = 0; i < lower.length; i++) {
    const la = a.ids[i] as number, lb = b.ids[i] as number;
    if (la && lb) {
      const ra = find(la), rb = find(a.count + lb);
      if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb);
    }
  }
  const regions = new Map<number, { lower: Uint8Array; upper: Uint8Array; box: Region['box'] }>();
  const regionOf = (root: number) => {
    let r = regions.get(root);
    if (!r) regions.set(root, (r = { lower: new Uint8Array(width * height), upper: new Uint8Array(width * height), box: { x0: width, y0: height, x1: -1, y1: -1 } }));
    return r;
  };
  const mark = (labels: Labelling, offset: number, side: 'lower' | 'upper') => {
    for (let i = 0; i < labels.ids.length; i++) {
      const l = labels.ids[i] as number;
      if (!l) continue;
      const r = regionOf(find(offset + l));
      r[side][i] = 1;
      const x = i % width, y = (i - x) / width;
      if (x < r.box.x0) r.box.x0 = x;
      if (x > r.box.x1) r.box.x1 = x;
      if (y < r.box.y0) r.box.y0 = y;
      if (y > r.box.y1) r.box.y1 = y;
    }
  };
  mark(a, 0, 'lower');
  mark(b, a.count, 'upper');
  return [...regions.values()];
}

/** The pixel deepest inside the mask (largest distance to its edge): where a vanishing region shrinks to. */
function deepestPixel(sd: Float32Array): number {
  let best = 0;
  for (let i = 1; i < sd.length; i++) if ((sd[i] as number) < (sd[best] as number)) best = i;
  return best;
}

/** A single pixel as a mask of the crop's size. */
function pointMask(index: number, length: number): Uint8Array {
  const m = new Uint8Array(length);
  m[index] = 1;
  return m;
}

/**
 * Shapes between `lower` (t = 0) and `upper` (t = 1) at each t in ts (0 < t < 1), at the masks' own resolution.
 * Per matched region the signed distances of its two sides are blended, (1 − t)·d₀ + t·d₁ < 0, so a region grows,
 * shrinks, moves, splits or merges smoothly; a region present on one side only shrinks to its deepest point and is
 * gone half-way (the structure is taken to end between the two slices).
 */
export function interpolateBetween(lower: Uint8Array, upper: Uint8Array, width: number, height: number, ts: readonly number[], spacing: readonly [number, number] = [1, 1]): Uint8Array[] {
  if (lower.length !== width * height || upper.length !== width * height) throw new Error(`masks must have ${width}×${height} pixels`);
  const out = ts.map(() => new Uint8Array(width * height));
  const margin = 2;
  for (const region of matchRegions(lower, upper, width, height)) {
    // Distances are exact inside the region's box plus a background margin, and nothing outside it can be inside.
    const x0 = Math.max(0, region.box.x0 - margin), y0 = Math.max(0, region.box.y0 - margin);
    const x1 = Math.min(width - 1, region.box.x1 + margin), y1 = Math.min(height - 1, region.box.y1 + margin);
    const w = x1 - x0 + 1, h = y1 - y0 + 1;
    const crop = (m: Uint8Array) => {
      const c = new Uint8Array(w * h);
      for (let y = 0; y < h; y++) c.set(m.subarray((y0 + y) * width + x0, (y0 + y) * width + x0 + w), y * w);
      return c;
    };
    const lo = crop(region.lower), hi = crop(region.upper);
    const loEmpty = !lo.some((v) => v), hiEmpty = !hi.some((v) => v);
    let d0 = loEmpty ? undefined : signedDistance(lo, w, h, spacing);
    let d1 = hiEmpty ? undefined : signedDistance(hi, w, h, spacing);
    // One-sided: blend towards the region's deepest point over the first (or last) half of the gap.
    const oneSided = !d0 || !d1;
    if (!d0) d0 = signedDistance(pointMask(deepestPixel(d1 as Float32Array), w * h), w, h, spacing);
    if (!d1) d1 = signedDistance(pointMask(deepestPixel(d0), w * h), w, h, spacing);
    ts.forEach((t, k) => {
      let s = t;
      if (oneSided) {
        if (loEmpty ? t <= 0.5 : t >= 0.5) return;
        s = loEmpty ? (t - 0.5) * 2 : t * 2;
      }
      const mask = out[k] as Uint8Array;
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const i = y * w + x;
          if ((1 - s) * (d0[i] as number) + s * (d1[i] as number) < 0) mask[(y0 + y) * width + x0 + x] = 1;
        }
      }
    });
  }
  return out;
}

/**
 * Fills every slice strictly between the first and the last annotated slice that the user did not annotate,
 * from its two nearest annotated neighbours. Annotated slices are never returned, so they cannot be overwritten.
 */
export function interpolateSeries(input: InterpolationInput, onSlice?: (slice: InterpolatedSlice) => void): InterpolatedSlice[] {
  const { width, height, count } = input;
  const positions = input.positions ?? Array.from({ length: count }, (_, k) => k);
  if (positions.length !== count) throw new Error(`${positions.length} slice positions for ${count} slices`);
  const keys = [...input.annotated.keys()].sort((a, b) => a - b);
  if (keys.length < 2) throw new Error(`interpolation needs at least two annotated slices, got ${keys.length}`);
  for (const k of keys) {
    if (!Number.isInteger(k) || k < 0 || k >= count) throw new Error(`annotated slice ${k} is outside the series (0–${count - 1})`);
    if ((input.annotated.get(k) as Uint8Array).length !== width * height) throw new Error(`the mask of slice ${k} is not ${width}×${height}`);
  }
  const results: InterpolatedSlice[] = [];
  for (let g = 0; g + 1 < keys.length; g++) {
    const a = keys[g] as number, b = keys[g + 1] as number;
    if (b - a < 2) continue;
    const za = positions[a] as number, zb = positions[b] as number;
    if (za === zb) throw new Error(`slices ${a} and ${b} share one position: cannot interpolate between them`);
    const lower = input.annotated.get(a) as Uint8Array, upper = input.annotated.get(b) as Uint8Array;
    const indices = Array.from({ length: b - a - 1 }, (_, j) => a + 1 + j);
    const ts = indices.map((k) => Math.min(1, Math.max(0, ((positions[k] as number) - za) / (zb - za))));
    const shapes = interpolateBetween(lower, upper, width, height, ts, input.spacing);
    const similarity = dice(lower, upper);
    indices.forEach((index, j) => {
      const t = ts[j] as number;
      const slice = { index, mask: shapes[j] as Uint8Array, from: [a, b] as const, t, confidence: 1 - 2 * Math.min(t, 1 - t) * (1 - similarity) };
      results.push(slice);
      onSlice?.(slice);
    });
  }
  return results;
}
