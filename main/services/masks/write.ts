// writeSeriesMasks: one entry point that writes a series' masks as PNG per slice, one DICOM SEG, or one NIfTI.
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { FileExistsError, writeFileAtomic } from '../fs/atomic.js';
import type { SeriesIndex } from '../dicom/indexer.js';
import type { LoadedSeries } from '../dicom/series.js';
import { markEdited, volumeFromLabelMaps, type Code, type MaskVolume } from './model.js';
import { buildSeg } from './seg-export.js';
import { encodeNifti } from './nifti.js';
import { encodeMaskPng, sliceMaskName } from './png.js';

export type MaskFormat = 'png' | 'seg' | 'nifti';

export interface WriteMasksOptions {
  /** Replace existing files; without it an existing file stops the write with FileExistsError. */
  readonly overwrite?: boolean;
  readonly seriesDescription?: string;
  /**
   * For plain label maps: a person edited the proposal, so SEG records SEMIAUTOMATIC instead of AUTOMATIC.
   * (A MaskVolume carries this per segment instead.)
   */
  readonly edited?: boolean;
  /**
   * The slices (indices in series order) to write; all when absent. PNG writes one file per covered slice, SEG
   * references exactly these, NIfTI spans the first to the last of them (slices between that are not covered are 0).
   */
  readonly cover?: readonly number[];
  /** The reviewer, written to SEG as ContentCreatorName. */
  readonly reviewer?: string;
  /** For plain label maps: what the (single) segment is: its name, codes and colour instead of "Segment"/"Tissue". */
  readonly segment?: { readonly name: string; readonly category: Code; readonly type: Code; readonly color: readonly [number, number, number] };
  /** SEG only: the SEG's Series and SOP Instance UIDs (otherwise new ones). */
  readonly segUids?: { readonly seriesInstanceUID: string; readonly sopInstanceUID: string };
}

function safeName(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 120) || 'series';
}

/**
 * Writes masks for one series. `masks` are label maps in series slice order (or a MaskVolume with segment
 * metadata). Returns the paths written. Writes are atomic; nothing existing is overwritten unless asked.
 */
export async function writeSeriesMasks(
  series: LoadedSeries | SeriesIndex,
  masks: MaskVolume | readonly Uint8Array[],
  format: MaskFormat,
  outDir: string,
  options: WriteMasksOptions = {},
): Promise<string[]> {
  const index: SeriesIndex = 'index' in series ? series.index : series;
  const first = index.slices[0];
  if (!first) throw new Error('series has no slices');
  let volume: MaskVolume;
  if (Array.isArray(masks)) {
    const plain = volumeFromLabelMaps(first.columns, first.rows, masks as Uint8Array[], options.segment?.name);
    const named = options.segment ? { ...plain, segments: plain.segments.map((s) => ({ ...s, ...options.segment, name: s.name })) } : plain;
    volume = options.edited ? { ...named, segments: named.segments.map(markEdited) } : named;
  } else volume = masks as MaskVolume;
  if (volume.slices.length !== index.slices.length) throw new Error(`${volume.slices.length} masks for ${index.slices.length} slices`);
  if (format !== 'png' && index.slices.some((s) => s.rows !== first.rows || s.columns !== first.columns)) {
    // A volume format needs one grid; a series that mixes sizes (e.g. a localizer filed with the axials) has none.
    throw new Error(`series ${index.seriesInstanceUID} mixes image sizes: export PNG per slice instead`);
  }
  const cover = [...new Set(options.cover ?? index.slices.map((_, i) => i))].sort((a, b) => a - b);
  if (cover.length === 0) throw new Error('no slices to write');
  if (cover.some((i) => !Number.isInteger(i) || i < 0 || i >= index.slices.length)) throw new Error(`slice indices must be in 0–${index.slices.length - 1}`);
  const stem = safeName(index.seriesInstanceUID || index.description);
  const write = { overwrite: options.overwrite ?? false };
  if (format === 'png') {
    const multiFrame = new Set(index.instances.filter((i) => i.pixel.numberOfFrames > 1).map((i) => i.path));
    const paths = cover.map((k) => index.slices[k]!).map((s) => join(outDir, sliceMaskName(s.path, s.frameIndex, multiFrame.has(s.path))));
    // Check every target first so a clash stops the export before any file is written, not half-way through.
    if (!write.overwrite) {
      const clash = paths.find((p) => existsSync(p));
      if (clash) throw new FileExistsError(clash);
    }
    for (let j = 0; j < paths.length; j++) {
      const k = cover[j]!;
      const s = index.slices[k]!;
      await writeFileAtomic(paths[j]!, await encodeMaskPng(volume.slices[k]!, s.columns, s.rows), write);
    }
    return paths;
  }
  if (format === 'seg') {
    const path = join(outDir, `${stem}.seg.dcm`);
    const seg = buildSeg(index, volume, {
      cover,
      ...(options.seriesDescription ? { seriesDescription: options.seriesDescription } : {}),
      ...(options.reviewer ? { contentCreator: options.reviewer } : {}),
      ...(options.seriesDescription ? { seriesDescription: options.seriesDescription } : {}),
      ...(options.segUids ? { uids: options.segUids } : {}),
    });
    await writeFileAtomic(path, seg.bytes, write);
    return [path];
  }
  const path = join(outDir, `${stem}.nii.gz`);
  // A volume needs evenly spaced slices: the span from the first covered slice to the last, zeros where not covered.
  const lo = cover[0]!;
  const hi = cover.at(-1)!;
  const covered = new Set(cover);
  const span = { ...index, slices: index.slices.slice(lo, hi + 1) };
  const spanSlices = span.slices.map((_, j) => (covered.has(lo + j) ? volume.slices[lo + j]! : new Uint8Array(volume.width * volume.height)));
  await writeFileAtomic(path, encodeNifti(span, { ...volume, slices: spanSlices }), write);
  return [path];
}
