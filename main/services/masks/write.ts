// writeSeriesMasks: one entry point that writes a series' masks as PNG per slice, one DICOM SEG, or one NIfTI.
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { FileExistsError, writeFileAtomic } from '../fs/atomic.js';
import type { SeriesIndex } from '../dicom/indexer.js';
import type { LoadedSeries } from '../dicom/series.js';
import { markEdited, volumeFromLabelMaps, type MaskVolume } from './model.js';
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
    const plain = volumeFromLabelMaps(first.columns, first.rows, masks as Uint8Array[]);
    volume = options.edited ? { ...plain, segments: plain.segments.map(markEdited) } : plain;
  } else volume = masks as MaskVolume;
  if (volume.slices.length !== index.slices.length) throw new Error(`${volume.slices.length} masks for ${index.slices.length} slices`);
  if (format !== 'png' && index.slices.some((s) => s.rows !== first.rows || s.columns !== first.columns)) {
    // A volume format needs one grid; a series that mixes sizes (e.g. a localizer filed with the axials) has none.
    throw new Error(`series ${index.seriesInstanceUID} mixes image sizes: export PNG per slice instead`);
  }
  const stem = safeName(index.seriesInstanceUID || index.description);
  const write = { overwrite: options.overwrite ?? false };
  if (format === 'png') {
    const multiFrame = new Set(index.instances.filter((i) => i.pixel.numberOfFrames > 1).map((i) => i.path));
    const paths = index.slices.map((s) => join(outDir, sliceMaskName(s.path, s.frameIndex, multiFrame.has(s.path))));
    // Check every target first so a clash stops the export before any file is written, not half-way through.
    if (!write.overwrite) {
      const clash = paths.find((p) => existsSync(p));
      if (clash) throw new FileExistsError(clash);
    }
    for (let k = 0; k < paths.length; k++) {
      const s = index.slices[k]!;
      await writeFileAtomic(paths[k]!, await encodeMaskPng(volume.slices[k]!, s.columns, s.rows), write);
    }
    return paths;
  }
  if (format === 'seg') {
    const path = join(outDir, `${stem}.seg.dcm`);
    const seg = buildSeg(index, volume, {
      ...(options.seriesDescription ? { seriesDescription: options.seriesDescription } : {}),
      ...(options.segUids ? { uids: options.segUids } : {}),
    });
    await writeFileAtomic(path, seg.bytes, write);
    return [path];
  }
  const path = join(outDir, `${stem}.nii.gz`);
  await writeFileAtomic(path, encodeNifti(index, volume), write);
  return [path];
}
