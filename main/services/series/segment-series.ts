// Lungs over a whole CT series, streamed: decode → propose → keep the mask, one slice at a time per chain, two chains.
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { decodeFrame } from '../dicom/pixels/decode';
import { lungWindowRgb } from '../dicom/window';
import type { SliceRef } from '../dicom/indexer';
import { FileExistsError, writeFileAtomic } from '../fs/atomic';
import { encodeMaskPng } from '../masks/png';
import { writeSeriesMasks } from '../masks/write';
import type { SegmentationRunner } from '../../../model/runner';
import type { S3NetConfig } from '../../../model/config';
import { lungTarget } from '../../../model/postprocess/lung';
import { openSeries, type OpenedSeries } from './open';
import { stepBlocked } from './geometry-check';

/** One slice's proposal, however it was made. */
export interface SliceProposal {
  readonly mask: Uint8Array;
  readonly confidence: number;
  readonly iterations: number;
  readonly seconds: number;
  /** Trained weights to warm-start the next slice of the chain with. */
  readonly weights?: Map<string, Float32Array>;
}

export interface SliceInput {
  readonly hu: Float32Array;
  readonly width: number;
  readonly height: number;
  /** The previous slice's weights in this chain (undefined for the first slice of a chain). */
  readonly warmStart: Map<string, Float32Array> | undefined;
  readonly signal?: AbortSignal;
}

/** Proposes one slice: S3-Net trained on it (warm-started when weights are given), then the lung rule. */
export type ProposeSlice = (input: SliceInput) => Promise<SliceProposal>;

/**
 * The segment command's proposal (S3-Net on the lung window, then lungTarget at native resolution), through a
 * runner; warm slices use warmMinIterations before the stop rule, as `segment --warm-start` does.
 */
export function runnerProposal(runner: SegmentationRunner, config: Partial<S3NetConfig>, warmMinIterations: number, warmMaxIterations?: number): ProposeSlice {
  const warmConfig = { ...config, minIterations: warmMinIterations, ...(warmMaxIterations !== undefined ? { maxIterations: warmMaxIterations } : {}) };
  return async ({ hu, width, height, warmStart, signal }) => {
    const r = await runner.segment({ width, height, data: lungWindowRgb(hu) }, warmStart ? warmConfig : config, {
      keepWeights: true, ...(warmStart ? { warmStart } : {}), ...(signal ? { signal } : {}),
    });
    const t = lungTarget(r.labels, r.size, hu, width, height);
    return { mask: t.mask, confidence: t.confidence, iterations: r.iterations, seconds: r.seconds, ...(r.weights ? { weights: r.weights } : {}) };
  };
}

/** The lung rule on Hounsfield units alone (one cluster): where it finds no lung, no training can give one. */
export function lungByHu(hu: Float32Array, width: number, height: number): number {
  const size = 64;
  return lungTarget(new Uint8Array(size * size), size, hu, width, height).mask.reduce((a, v) => a + v, 0);
}

export interface SeriesSliceReport {
  readonly input: string;
  readonly slice: number;
  readonly chain: number;
  readonly status: 'proposed' | 'empty';
  /** Why a slice was not trained on. */
  readonly reason?: string;
  readonly warmStarted: boolean;
  readonly iterations: number;
  readonly seconds: number;
  readonly confidence: number;
  readonly pixels: number;
  readonly mask?: string;
}

export interface SegmentSeriesOptions {
  readonly paths: readonly string[];
  readonly propose: ProposeSlice;
  readonly outDir: string;
  readonly format: 'png' | 'seg' | 'nifti';
  /** Contiguous parts of the series, each its own warm chain, run at once (one per core). */
  readonly chains?: number;
  /** Slices the HU rule finds no lung on get an empty proposal without training. */
  readonly skipEmpty?: boolean;
  readonly overwrite?: boolean;
  readonly signal?: AbortSignal;
  readonly onSlice?: (report: SeriesSliceReport) => void;
}

/**
 * Splits the slice range into `chains` contiguous parts, each a warm chain that runs from its middle outwards (so
 * both halves of a part start from weights trained on lung, not on the neck or the abdomen); slices with no lung by
 * the HU rule pass the weights on, and a chain restarts cold where the geometry breaks (gap, other grid). Only the slice being proposed is held
 * decoded; masks are kept (one byte a pixel) until the SEG or NIfTI is written, or written at once as PNG.
 */
export async function segmentSeries(options: SegmentSeriesOptions): Promise<{ opened: OpenedSeries; written: string[]; reports: SeriesSliceReport[] }> {
  const opened = await openSeries(options.paths);
  const slices = opened.series.slices as readonly SliceRef[];
  const n = slices.length;
  const pngPath = (k: number) => join(options.outDir, `${opened.stems[k]}.mask.png`);
  if (options.format === 'png' && !options.overwrite) {
    for (let k = 0; k < n; k++) if (existsSync(pngPath(k))) throw new FileExistsError(pngPath(k));
  }
  const masks: Uint8Array[] = new Array<Uint8Array>(n);
  const reports: SeriesSliceReport[] = new Array<SeriesSliceReport>(n);
  const chains = Math.max(1, Math.min(options.chains ?? 2, n));
  const bounds = Array.from({ length: chains + 1 }, (_, c) => Math.round((c * n) / chains));

  const runSlice = async (k: number, chain: number, warm: Map<string, Float32Array> | undefined): Promise<Map<string, Float32Array> | undefined> => {
    options.signal?.throwIfAborted();
    const s = slices[k] as SliceRef;
    const frame = await decodeFrame(s.path, s.frameIndex);
    if (!frame.modality) throw new Error(`${s.path}: ${frame.photometric} image, not a CT slice`);
    const base = { input: s.path, slice: k, chain };
    let report: SeriesSliceReport;
    // A slice with no lung passes its chain's weights on untouched: the next lung slice still starts warm.
    let next = warm;
    if (options.skipEmpty !== false && lungByHu(frame.modality, frame.width, frame.height) === 0) {
      masks[k] = new Uint8Array(frame.width * frame.height);
      report = { ...base, status: 'empty', reason: 'no lung by the HU rule: not trained', warmStarted: false, iterations: 0, seconds: 0, confidence: 1, pixels: 0 };
    } else {
      const p = await options.propose({ hu: frame.modality, width: frame.width, height: frame.height, warmStart: warm, ...(options.signal ? { signal: options.signal } : {}) });
      masks[k] = p.mask;
      next = p.weights;
      report = { ...base, status: 'proposed', warmStarted: !!warm, iterations: p.iterations, seconds: Number(p.seconds.toFixed(3)), confidence: Number(p.confidence.toFixed(3)), pixels: p.mask.reduce((a, v) => a + v, 0) };
    }
    if (options.format === 'png') {
      await writeFileAtomic(pngPath(k), await encodeMaskPng(masks[k] as Uint8Array, frame.width, frame.height), { overwrite: options.overwrite ?? false });
      report = { ...report, mask: pngPath(k) };
    }
    reports[k] = report;
    options.onSlice?.(report);
    return next;
  };

  const runChain = async (chain: number) => {
    const lo = bounds[chain] as number, hi = (bounds[chain + 1] as number) - 1;
    if (hi < lo) return;
    const mid = (lo + hi) >> 1;
    const start = await runSlice(mid, chain, undefined);
    for (const dir of [1, -1]) {
      let warm = start;
      for (let k = mid + dir; k >= lo && k <= hi; k += dir) {
        if (stepBlocked(opened.geometry, k - dir, k)) warm = undefined;
        warm = await runSlice(k, chain, warm);
      }
    }
  };
  await Promise.all(Array.from({ length: chains }, (_, c) => runChain(c)));
  const written = options.format === 'png'
    ? reports.map((r) => r.mask as string)
    : await writeSeriesMasks(opened.series, masks, options.format, options.outDir, { overwrite: options.overwrite ?? false });
  return { opened, written, reports };
}
