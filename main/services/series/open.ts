// One series for volume work: indexed, checked, its slices' file stems, and the user's masks read onto it by name.
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { indexPaths, type SeriesIndex, type SliceRef } from '../dicom/indexer';
import type { SkippedFile } from '../dicom/errors';
import { decodeMaskPng } from '../masks/png';
import { checkSeriesGeometry, type SeriesGeometry } from './geometry-check';

/** Objects that are not images to segment (the same list the series loader uses). */
const NON_IMAGE_MODALITIES = new Set(['SEG', 'RTSTRUCT', 'RTPLAN', 'RTDOSE', 'SR', 'KO', 'PR']);

export interface OpenedSeries {
  readonly series: SeriesIndex;
  readonly geometry: SeriesGeometry;
  /** Per slice, in slice order: `<DICOM file name without .dcm>` (`.frameN` added for frames after the first). */
  readonly stems: readonly string[];
  readonly skipped: readonly SkippedFile[];
}

export class SeriesInputError extends Error {
  constructor(readonly path: string, readonly reason: string) {
    super(`${path}: ${reason}`);
    this.name = 'SeriesInputError';
  }
}

export function sliceStem(slice: SliceRef): string {
  return basename(slice.path).replace(/\.dcm$/i, '') + (slice.frameIndex > 0 ? `.frame${slice.frameIndex}` : '');
}

/** Indexes paths and returns the one image series they hold; none or several is an error that names them. */
export async function openSeries(paths: readonly string[]): Promise<OpenedSeries> {
  const index = await indexPaths(paths);
  const images = index.series.filter((s) => !NON_IMAGE_MODALITIES.has(s.modality));
  const where = paths.join(', ');
  if (images.length === 0) {
    const why = index.skipped.slice(0, 3).map((s) => `${s.path}: ${s.reason}`).join('; ');
    throw new SeriesInputError(where, `no image series found${why ? ` (${why})` : ''}`);
  }
  if (images.length > 1) {
    const list = images.map((s) => `${s.seriesInstanceUID || '(no UID)'} (${s.slices.length} slices, e.g. ${s.slices[0]?.path})`).join('; ');
    throw new SeriesInputError(where, `holds ${images.length} image series, give one series folder: ${list}`);
  }
  const series = images[0] as SeriesIndex;
  const stems = series.slices.map(sliceStem);
  const seen = new Map<string, string>();
  series.slices.forEach((s, k) => {
    const other = seen.get(stems[k] as string);
    if (other) throw new SeriesInputError(s.path, `its mask name ${stems[k]}.png is also ${other}'s`);
    seen.set(stems[k] as string, s.path);
  });
  return { series, geometry: checkSeriesGeometry(series), stems, skipped: index.skipped };
}

export interface AnnotatedMasks {
  /** 0/1 masks by slice index. */
  readonly masks: Map<number, Uint8Array>;
  readonly files: Map<number, string>;
  /** PNG files in the folder that belong to no slice of the series. */
  readonly unmatched: readonly string[];
}

/**
 * Reads `<stem>.png` (or, where there is none, `<stem>.mask.png`, as segment and propagate write them) for every
 * slice from dir. A mask that cannot be decoded or has another size than its slice is an error naming the file.
 */
export async function readAnnotatedMasks(dir: string, opened: OpenedSeries): Promise<AnnotatedMasks> {
  if (!existsSync(dir)) throw new SeriesInputError(dir, 'mask folder not found');
  const masks = new Map<number, Uint8Array>();
  const files = new Map<number, string>();
  const used = new Set<string>();
  for (let k = 0; k < opened.stems.length; k++) {
    const stem = opened.stems[k] as string;
    const name = [`${stem}.png`, `${stem}.mask.png`].find((n) => existsSync(join(dir, n)));
    if (!name) continue;
    const file = join(dir, name);
    used.add(name);
    let png;
    try {
      png = await decodeMaskPng(file);
    } catch (err) {
      throw new SeriesInputError(file, `cannot decode the mask: ${err instanceof Error ? err.message : String(err)}`);
    }
    const s = opened.series.slices[k] as SliceRef;
    if (png.width !== s.columns || png.height !== s.rows) throw new SeriesInputError(file, `mask is ${png.width}×${png.height}, its slice ${s.path} is ${s.columns}×${s.rows}`);
    masks.set(k, png.mask);
    files.set(k, file);
  }
  // Files in the folder that name no slice: reported, so a typo is not taken silently for "not annotated".
  const unmatched = (await readdir(dir)).filter((n) => /\.png$/i.test(n) && !used.has(n) && !n.startsWith('.')).sort().map((n) => join(dir, n));
  return { masks, files, unmatched };
}
