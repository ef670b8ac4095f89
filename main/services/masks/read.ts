// Reads existing masks of any supported format onto a series: DICOM SEG, NIfTI label map, or a folder of PNGs.
import { readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { SeriesIndex } from '../dicom/indexer.js';
import { importSeg } from './seg-import.js';
import { decodeNifti, niftiToSeriesMasks } from './nifti.js';
import { readPngMasksForSeries } from './png.js';
import type { MaskVolume } from './model.js';
import { KIND_NAMES, sniffFile } from '../fs/sniff.js';

export type MaskSourceKind = 'seg' | 'nifti' | 'png';

/**
 * What a mask file is, from its content: PNG signature → PNG masks (their folder), NIfTI-1 header (or gzip, read as
 * .nii.gz) → NIfTI, DICOM preamble → SEG. A file named .nii that holds a PNG is read as what it is.
 */
export async function maskKindOf(path: string, isDirectory: boolean): Promise<MaskSourceKind> {
  if (isDirectory) return 'png';
  const kind = await sniffFile(path);
  if (kind === 'png') return 'png';
  if (kind === 'nifti' || kind === 'gzip') return 'nifti';
  // DICOM without its preamble has no signature: the DICOM parser recognises (or refuses) it by its first tags.
  if (kind === 'dicom' || kind === 'unknown') return 'seg';
  throw new Error(`${path}: not a DICOM SEG, NIfTI-1 or PNG mask (content: ${KIND_NAMES[kind]})`);
}

/** Picks the reader from the content (see maskKindOf); every refusal names the file. */
export async function readMaskFile(path: string, series: SeriesIndex): Promise<MaskVolume> {
  const info = await stat(path);
  const kind = await maskKindOf(path, info.isDirectory());
  if (kind === 'png') return readPngMasksForSeries(info.isDirectory() ? path : dirname(path), series);
  if (kind === 'nifti') return niftiToSeriesMasks(decodeNifti(await readFile(path), path), series);
  return importSeg(path, series);
}
