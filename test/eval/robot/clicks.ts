// The robot user's pure parts (Xu et al. 2016, RITM, SimpleClick): error regions, an exact Euclidean distance
// transform, where the next click goes, and the metrics (Dice after k clicks, NoC@85/90, failures).
import { overlap } from '../../../main/services/evaluation/metrics';
import { squaredDistanceTo } from '../../../main/services/series/distance';

export type ClickLabel = 'include' | 'exclude';
export interface Click {
  /** Native pixel column and row, origin top-left. */
  readonly x: number;
  readonly y: number;
  readonly label: ClickLabel;
}

/** One error region: a connected part of the missed target (include) or of the false mask (exclude). */
export interface ErrorRegion {
  readonly label: ClickLabel;
  readonly area: number;
  /** Pixel indices (row-major) of the region. */
  readonly pixels: Int32Array;
}


/**
 * Exact Euclidean distance, in pixels, from every foreground pixel of mask to the nearest background pixel (0 on
 * background). Outside the image counts as background (as RITM pads the error mask before its distance transform), so
 * a region touching the border is measured to the border too.
 */
export function euclideanDistanceInside(mask: Uint8Array, width: number, height: number): Float32Array {
  if (mask.length !== width * height) throw new RangeError(`mask has ${mask.length} pixels, expected ${width}×${height}`);
  // Pad by one background pixel on every side, then the series service's exact transform (Felzenszwalb–Huttenlocher).
  const w = width + 2, h = height + 2;
  const padded = new Uint8Array(w * h);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) padded[(y + 1) * w + x + 1] = mask[y * width + x] ? 1 : 0;
  const squared = squaredDistanceTo(padded, w, h, 0);
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) out[y * width + x] = mask[y * width + x] ? Math.sqrt(squared[(y + 1) * w + x + 1] as number) : 0;
  return out;
}

/** 8-connected components of mask, as lists of pixel indices. */
function components(mask: Uint8Array, width: number, height: number): Int32Array[] {
  const seen = new Uint8Array(mask.length), stack = new Int32Array(mask.length), out: Int32Array[] = [];
  for (let start = 0; start < mask.length; start++) {
    if (!mask[start] || seen[start]) continue;
    let top = 0, count = 0;
    const members: number[] = [];
    stack[top++] = start;
    seen[start] = 1;
    while (top > 0) {
      const p = stack[--top] as number;
      members.push(p);
      count++;
      const x = p % width, y = (p - x) / width;
      for (let dy = -1; dy <= 1; dy++) {
        const ny = y + dy;
        if (ny < 0 || ny >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          if (nx < 0 || nx >= width || (dx === 0 && dy === 0)) continue;
          const q = ny * width + nx;
          if (mask[q] && !seen[q]) {
            seen[q] = 1;
            stack[top++] = q;
          }
        }
      }
    }
    out.push(Int32Array.from(members.slice(0, count)));
  }
  return out;
}

/**
 * The error regions of a prediction against the truth: the 8-connected components of the false negatives (truth,
 * not predicted: include) and of the false positives (predicted, not truth: exclude), largest first. The two kinds
 * are split before labelling, so each region has one kind and its click one label.
 */
export function errorRegions(pred: Uint8Array, truth: Uint8Array, width: number, height: number): ErrorRegion[] {
  if (pred.length !== width * height || truth.length !== width * height) {
    throw new RangeError(`prediction (${pred.length}) and truth (${truth.length}) must both have ${width}×${height} pixels`);
  }
  const fn = new Uint8Array(pred.length), fp = new Uint8Array(pred.length);
  for (let i = 0; i < pred.length; i++) {
    const p = pred[i] ? 1 : 0, t = truth[i] ? 1 : 0;
    fn[i] = t & (1 - p);
    fp[i] = p & (1 - t);
  }
  const regions: ErrorRegion[] = [
    ...components(fn, width, height).map((pixels) => ({ label: 'include' as const, area: pixels.length, pixels })),
    ...components(fp, width, height).map((pixels) => ({ label: 'exclude' as const, area: pixels.length, pixels })),
  ];
  // Largest first; equal areas keep raster order of their first pixel (deterministic).
  return regions.sort((a, b) => b.area - a.area || (a.pixels[0] as number) - (b.pixels[0] as number));
}

/**
 * The robot's next click: in the largest error region, the pixel farthest (exact Euclidean distance) from the
 * region's boundary — the image border counts as boundary; ties go to the first in raster order. Include when the
 * region is missed target, exclude when it is false mask. Undefined when the prediction equals the truth.
 */
export function nextClick(pred: Uint8Array, truth: Uint8Array, width: number, height: number): Click | undefined {
  const region = errorRegions(pred, truth, width, height)[0];
  if (!region) return undefined;
  // The distance transform of the region alone, on its bounding box (plus a one-pixel margin) to stay cheap.
  let x0 = width, y0 = height, x1 = -1, y1 = -1;
  for (const p of region.pixels) {
    const x = p % width, y = (p - x) / width;
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
  }
  const bw = x1 - x0 + 1, bh = y1 - y0 + 1;
  const box = new Uint8Array(bw * bh);
  for (const p of region.pixels) {
    const x = p % width, y = (p - x) / width;
    box[(y - y0) * bw + (x - x0)] = 1;
  }
  // Inside the box the region's neighbours of the other kind are background; the box edge is the image edge or
  // lies outside the region, so padding with background there is exact.
  const dist = euclideanDistanceInside(box, bw, bh);
  let best = -1, bestD = -1;
  for (let i = 0; i < box.length; i++) {
    if (box[i] && (dist[i] as number) > bestD) {
      bestD = dist[i] as number;
      best = i;
    }
  }
  const bx = best % bw, by = (best - bx) / bw;
  return { x: bx + x0, y: by + y0, label: region.label };
}

/** Dice = 2|A∩G| / (|A| + |G|); 1 when both are empty (the metric `s3-annotate eval` reports). */
export function dice(pred: Uint8Array, truth: Uint8Array): number {
  return overlap(pred, truth).dice;
}

/**
 * Number of clicks to reach a Dice threshold: the first k (0 = the automatic proposal) with dice[k] ≥ threshold, or
 * maxClicks + 1 when it is never reached within the clicks given. dice holds the scores after 0, 1, … clicks; a
 * session that stopped early (the mask matched the truth) keeps its last score for the clicks it did not need.
 */
export function clicksToReach(diceAfter: readonly number[], threshold: number, maxClicks: number): number {
  for (let k = 0; k <= maxClicks; k++) {
    const d = diceAfter[Math.min(k, diceAfter.length - 1)];
    if (d !== undefined && d >= threshold) return k;
  }
  return maxClicks + 1;
}

export interface RobotSummary {
  readonly count: number;
  /** Mean Dice after 0 … maxClicks clicks. */
  readonly meanDice: number[];
  readonly nocAt85: number;
  readonly nocAt90: number;
  /** Images that never reach 0.90 within maxClicks clicks. */
  readonly failures: number;
  /** Mean wall-clock seconds from sending a click to reading its mask, and their median. */
  readonly secondsPerClick: number;
  readonly medianSecondsPerClick: number;
}

export interface RobotTrace {
  readonly id: string;
  /** Dice after 0, 1, … clicks (may be shorter than maxClicks + 1 when the mask became exact). */
  readonly dice: readonly number[];
  readonly clicks: readonly Click[];
  /** Wall-clock seconds per click (from the line sent to the mask read back). */
  readonly seconds: readonly number[];
}

export function summariseRobot(traces: readonly RobotTrace[], maxClicks: number): RobotSummary {
  const n = traces.length;
  const at = (t: RobotTrace, k: number) => t.dice[Math.min(k, t.dice.length - 1)] ?? 0;
  const meanOf = (xs: number[]) => (xs.length ? xs.reduce((a, x) => a + x, 0) / xs.length : NaN);
  const meanDice = Array.from({ length: maxClicks + 1 }, (_, k) => meanOf(traces.map((t) => at(t, k))));
  const seconds = traces.flatMap((t) => [...t.seconds]).sort((a, b) => a - b);
  return {
    count: n,
    meanDice,
    nocAt85: meanOf(traces.map((t) => clicksToReach(t.dice, 0.85, maxClicks))),
    nocAt90: meanOf(traces.map((t) => clicksToReach(t.dice, 0.9, maxClicks))),
    failures: traces.filter((t) => clicksToReach(t.dice, 0.9, maxClicks) > maxClicks).length,
    secondsPerClick: meanOf(seconds),
    medianSecondsPerClick: seconds.length ? (seconds[Math.floor((seconds.length - 1) / 2)] as number + (seconds[Math.ceil((seconds.length - 1) / 2)] as number)) / 2 : NaN,
  };
}
