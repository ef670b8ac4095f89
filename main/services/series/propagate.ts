// Propagation of one slice's mask through a series: each next slice warm-started and seeded by the previous mask.
import { decodeFrame } from '../dicom/pixels/decode';
import type { SliceRef } from '../dicom/indexer';
import { dilateDisc, erodeDisc } from '../../../model/postprocess/morphology-extra';
import { stepBlocked } from './geometry-check';
import type { OpenedSeries } from './open';

/** Seeds from a mask, at native resolution: 1 = target (the eroded core), 2 = background (a band well outside), 0 unknown. */
export interface SeedMap {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

const count = (m: Uint8Array) => m.reduce((a, v) => a + (v ? 1 : 0), 0);

/**
 * The previous slice's mask as seeds for the next: its core (eroded by a tenth of its equivalent radius, at least
 * one pixel) is target, a band from 2r to 4r outside it (r the same radius, at least 3 pixels) is background.
 */
export function seedsFromPrevious(mask: Uint8Array, width: number, height: number): SeedMap {
  const area = count(mask);
  const radius = Math.sqrt(area / Math.PI);
  const inner = Math.max(1, Math.round(radius * 0.1));
  const outer = Math.max(3, Math.round(radius * 0.1));
  const core = erodeDisc(mask, width, height, inner);
  const near = dilateDisc(mask, width, height, 2 * outer);
  const far = dilateDisc(mask, width, height, 4 * outer);
  const data = new Uint8Array(width * height);
  for (let i = 0; i < data.length; i++) data[i] = core[i] ? 1 : far[i] && !near[i] ? 2 : 0;
  return { width, height, data };
}

export interface StepInput {
  readonly hu: Float32Array;
  readonly width: number;
  readonly height: number;
  /** The previous slice's mask (0/1) and the seeds made from it. */
  readonly previous: Uint8Array;
  readonly seeds: SeedMap;
  readonly warmStart: Map<string, Float32Array> | undefined;
  readonly signal?: AbortSignal;
}

export interface StepResult {
  readonly mask: Uint8Array;
  readonly confidence: number;
  readonly iterations: number;
  readonly seconds: number;
  readonly weights?: Map<string, Float32Array>;
}

/** One slice of propagation: seeded training (warm-started) and the mask it gives. */
export type PropagationStep = (input: StepInput) => Promise<StepResult>;

export interface PropagationLimits {
  /** Stop where the area falls below this share of the starting slice's (the structure ends). */
  readonly minAreaRatio: number;
  /** … or below this many pixels. */
  readonly minPixels: number;
  /**
   * Stop where the seeds disagree with the image: the share of the target seeds (the previous slice's core) that
   * the new mask keeps falls below this.
   */
  readonly minCoreKept: number;
  /** Stop where the new mask spills over: the share of the background band it covers rises above this. */
  readonly maxBandCovered: number;
}

export const DEFAULT_PROPAGATION_LIMITS: PropagationLimits = { minAreaRatio: 0.05, minPixels: 12, minCoreKept: 0.6, maxBandCovered: 0.25 };

export interface PropagatedSliceReport {
  readonly input: string;
  readonly slice: number;
  readonly direction: 'up' | 'down';
  readonly status: 'proposed' | 'stopped';
  /** Why propagation stopped at this slice (then nothing is proposed for it). */
  readonly reason?: string;
  readonly pixels: number;
  /** Share of the previous slice's core the mask keeps, and of its background band the mask covers. */
  readonly coreKept: number;
  readonly bandCovered: number;
  readonly confidence: number;
  readonly iterations: number;
  readonly seconds: number;
}

export interface PropagateOptions {
  readonly opened: OpenedSeries;
  readonly start: number;
  readonly startMask: Uint8Array;
  readonly direction: 'up' | 'down' | 'both';
  readonly step: PropagationStep;
  /** Slices a person already annotated (accepted, corrected): propagation stops before them, never writes them. */
  readonly annotated?: ReadonlySet<number>;
  readonly limits?: Partial<PropagationLimits>;
  /** Weights trained on the start slice, if there are any; otherwise the first step starts cold. */
  readonly warmStart?: Map<string, Float32Array>;
  /** At most this many slices proposed each way (then a stop is reported). */
  readonly maxSlices?: number;
  readonly signal?: AbortSignal;
  /** Each proposed slice, with its mask, as soon as it is made (write it here: nothing else keeps it). */
  readonly onSlice: (report: PropagatedSliceReport, mask: Uint8Array | undefined) => Promise<void> | void;
}

/**
 * Walks from the start slice up (increasing index: along the slice normal), down, or both, one slice at a time.
 * Stops by itself at the first slice where the structure ends or the seeds disagree (limits), before an annotated
 * slice, and where the geometry breaks (a gap, another grid or orientation, a shared position): each stop is
 * reported with its reason. Only the slice being worked on is held decoded.
 */
export async function propagate(options: PropagateOptions): Promise<{ proposed: number; stops: PropagatedSliceReport[] }> {
  const { opened, start } = options;
  const slices = opened.series.slices as readonly SliceRef[];
  const limits = { ...DEFAULT_PROPAGATION_LIMITS, ...options.limits };
  const first = slices[start];
  if (!first) throw new RangeError(`slice ${start} is not in the series (0–${slices.length - 1})`);
  if (options.startMask.length !== first.columns * first.rows) throw new Error(`the start mask is not ${first.columns}×${first.rows}`);
  const startArea = count(options.startMask);
  if (startArea < limits.minPixels) throw new Error(`the start mask has ${startArea} pixel(s): nothing to propagate`);
  const stops: PropagatedSliceReport[] = [];
  let proposed = 0;
  const dirs: ('up' | 'down')[] = options.direction === 'both' ? ['up', 'down'] : [options.direction];
  for (const direction of dirs) {
    const d = direction === 'up' ? 1 : -1;
    let previous = options.startMask;
    let warm = options.warmStart;
    for (let k = start + d, taken = 0; ; k += d, taken++) {
      options.signal?.throwIfAborted();
      const s = slices[k];
      const empty = { input: s?.path ?? '', slice: k, direction, pixels: 0, coreKept: 0, bandCovered: 0, confidence: 0, iterations: 0, seconds: 0 };
      const stop = async (reason: string) => {
        const report = { ...empty, status: 'stopped' as const, reason };
        stops.push(report);
        await options.onSlice(report, undefined);
      };
      if (options.maxSlices !== undefined && taken >= options.maxSlices) {
        await stop(`${taken} slice(s) ${direction}: the limit asked for`);
        break;
      }
      if (!s) {
        await stop(`end of the series (slice ${k - d} is the ${d > 0 ? 'last' : 'first'})`);
        break;
      }
      const blocked = stepBlocked(opened.geometry, k - d, k);
      if (blocked) {
        await stop(`${blocked}: not propagated across it`);
        break;
      }
      if (options.annotated?.has(k)) {
        await stop(`${s.path} is already annotated: left as it is`);
        break;
      }
      const frame = await decodeFrame(s.path, s.frameIndex);
      if (!frame.modality) {
        await stop(`${s.path}: ${frame.photometric} image, not a CT slice`);
        break;
      }
      const seeds = seedsFromPrevious(previous, frame.width, frame.height);
      const r = await options.step({ hu: frame.modality, width: frame.width, height: frame.height, previous, seeds, warmStart: warm, ...(options.signal ? { signal: options.signal } : {}) });
      let core = 0, coreIn = 0, band = 0, bandIn = 0;
      for (let i = 0; i < r.mask.length; i++) {
        const seed = seeds.data[i];
        if (seed === 1) { core++; if (r.mask[i]) coreIn++; } else if (seed === 2) { band++; if (r.mask[i]) bandIn++; }
      }
      const pixels = count(r.mask);
      const report = {
        ...empty, pixels, coreKept: Number((core ? coreIn / core : 0).toFixed(4)), bandCovered: Number((band ? bandIn / band : 0).toFixed(4)),
        confidence: Number(r.confidence.toFixed(3)), iterations: r.iterations, seconds: Number(r.seconds.toFixed(3)),
      };
      const ends = pixels < limits.minPixels || pixels < limits.minAreaRatio * startArea;
      const reason = ends
        ? `the structure ends: ${pixels} pixel(s), ${(100 * pixels / startArea).toFixed(1)} % of the start slice's (limit ${(100 * limits.minAreaRatio).toFixed(0)} %)`
        : report.coreKept < limits.minCoreKept
          ? `the seeds disagree with the image: the mask keeps ${(100 * report.coreKept).toFixed(0)} % of the previous slice's core (limit ${(100 * limits.minCoreKept).toFixed(0)} %)`
          : report.bandCovered > limits.maxBandCovered
            ? `the seeds disagree with the image: the mask covers ${(100 * report.bandCovered).toFixed(0)} % of the background band (limit ${(100 * limits.maxBandCovered).toFixed(0)} %)`
            : undefined;
      if (reason) {
        const stopped = { ...report, status: 'stopped' as const, reason };
        stops.push(stopped);
        await options.onSlice(stopped, undefined);
        break;
      }
      await options.onSlice({ ...report, status: 'proposed' }, r.mask);
      proposed++;
      previous = r.mask;
      warm = r.weights ?? warm;
    }
  }
  return { proposed, stops };
}
