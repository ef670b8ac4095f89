// Reads existing masks of any supported format onto a series: DICOM SEG, NIfTI label map, or a folder of PNGs.
import { readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { SeriesIndex } from '../dicom/indexer.js';
import { importSeg } from './seg-import.js';
import { decodeNifti, niftiToSeriesMasks } from './nifti.js';
import { readPngMasksForSeries } from './png.js';
import type { MaskVolume } from './model.js';

export type MaskSourceKind = 'seg' | 'nifti' | 'png';

export function maskKindOf(path: string, isDirectory: boolean): MaskSourceKind {
  if (isDirectory || /\.png$/i.test(path)) return 'png';
  if (/\.nii(\.gz)?$/i.test(path)) return 'nifti';
  return 'seg';
}

/** Picks the reader from the path: a folder or .png → PNG masks (their folder), .nii/.nii.gz → NIfTI, else DICOM SEG. */
export async function readMaskFile(path: string, series: SeriesIndex): Promise<MaskVolume> {
  const info = await stat(path);
  const kind = maskKindOf(path, info.isDirectory());
  if (kind === 'png') return readPngMasksForSeries(info.isDirectory() ? path : dirname(path), series);
  if (kind === 'nifti') return niftiToSeriesMasks(decodeNifti(await readFile(path)), series);
  return importSeg(path, series);
}
