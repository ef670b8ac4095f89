// Interpolation of a series folder: the user's masks in, `<stem>.mask.png` out for every slice between the first and last.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { FileExistsError, writeFileAtomic } from '../fs/atomic';
import { encodeMaskPng } from '../masks/png';
import type { SliceRef } from '../dicom/indexer';
import { interpolateSeries } from './interpolate';
import { openSeries, readAnnotatedMasks, SeriesInputError, type OpenedSeries } from './open';

export interface InterpolateFolderOptions {
  readonly series: readonly string[];
  readonly masksDir: string;
  readonly outDir: string;
  readonly overwrite?: boolean;
  readonly signal?: AbortSignal;
  /** Called once per slice written, in slice order within each gap. */
  readonly onSlice?: (report: InterpolatedSliceReport) => void;
  /** Geometry warnings (gaps, uneven spacing, …) and mask files that match no slice. */
  readonly onWarning?: (path: string, reason: string) => void;
}

export interface InterpolatedSliceReport {
  readonly input: string;
  readonly slice: number;
  readonly mask: string;
  /** annotated: the user's mask, copied unchanged; interpolated: a proposal to review. */
  readonly status: 'annotated' | 'interpolated';
  readonly from?: readonly [string, string];
  readonly t?: number;
  readonly confidence: number;
  readonly pixels: number;
}

const countOnes = (m: Uint8Array) => m.reduce((a, v) => a + (v ? 1 : 0), 0);

/**
 * Fills the slices between the annotated ones and writes every slice from the first annotated to the last
 * (atomically; an existing output stops the run before anything is written unless overwrite).
 */
export async function interpolateFolder(options: InterpolateFolderOptions): Promise<{ opened: OpenedSeries; written: number; interpolated: number }> {
  const opened = await openSeries(options.series);
  const { series, geometry, stems } = opened;
  const annotated = await readAnnotatedMasks(options.masksDir, opened);
  for (const f of annotated.unmatched) options.onWarning?.(f, 'matches no slice of the series (expected <DICOM file name without .dcm>.png)');
  const keys = [...annotated.masks.keys()].sort((a, b) => a - b);
  if (keys.length < 2) throw new SeriesInputError(options.masksDir, `interpolation needs masks on at least two slices, found ${keys.length} (<DICOM file name without .dcm>.png)`);
  const lo = keys[0] as number, hi = keys[keys.length - 1] as number;
  for (const issue of geometry.issues) {
    const inside = issue.slice >= lo && issue.slice <= hi;
    if (inside && issue.breaksVolume) throw new SeriesInputError(issue.path, `${issue.reason}: cannot interpolate across it`);
    if (inside) options.onWarning?.(issue.path, `${issue.reason} (interpolated by position)`);
  }
  const slices = series.slices as readonly SliceRef[];
  const first = slices[lo] as SliceRef;
  const outPath = (k: number) => join(options.outDir, `${stems[k]}.mask.png`);
  if (!options.overwrite) {
    for (let k = lo; k <= hi; k++) if (existsSync(outPath(k))) throw new FileExistsError(outPath(k));
  }
  const write = async (k: number, mask: Uint8Array) => {
    options.signal?.throwIfAborted();
    const s = slices[k] as SliceRef;
    await writeFileAtomic(outPath(k), await encodeMaskPng(mask, s.columns, s.rows), { overwrite: options.overwrite ?? false });
    return outPath(k);
  };
  let written = 0, interpolated = 0;
  for (let g = 0; g < keys.length; g++) {
    const a = keys[g] as number;
    const mask = annotated.masks.get(a) as Uint8Array;
    options.onSlice?.({ input: slices[a]!.path, slice: a, mask: await write(a, mask), status: 'annotated', confidence: 1, pixels: countOnes(mask) });
    written++;
    const b = keys[g + 1];
    if (b === undefined || b - a < 2) continue;
    // One gap at a time: only its filled slices are held.
    const filled = interpolateSeries({
      width: first.columns, height: first.rows, count: slices.length, positions: geometry.positions,
      annotated: new Map([[a, mask], [b, annotated.masks.get(b) as Uint8Array]]),
      ...(first.geometry.pixelSpacing ? { spacing: first.geometry.pixelSpacing } : {}),
    });
    for (const f of filled) {
      options.onSlice?.({
        input: slices[f.index]!.path, slice: f.index, mask: await write(f.index, f.mask), status: 'interpolated',
        from: [slices[a]!.path, slices[b]!.path], t: Number(f.t.toFixed(4)), confidence: Number(f.confidence.toFixed(4)), pixels: countOnes(f.mask),
      });
      written++;
      interpolated++;
    }
  }
  return { opened, written, interpolated };
}
