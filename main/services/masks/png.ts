// PNG masks: one 8-bit greyscale image per slice or photograph at native resolution, 0 = background, 255 = mask.
import sharp from 'sharp';
import { existsSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { writeFileAtomic } from '../fs/atomic.js';
import type { SeriesIndex } from '../dicom/indexer.js';
import { volumeFromLabelMaps, type MaskVolume } from './model.js';

/** Any non-zero label becomes 255: PNG masks are binary, as ISIC's are. */
export async function encodeMaskPng(mask: Uint8Array, width: number, height: number): Promise<Uint8Array> {
  if (mask.length !== width * height) throw new Error(`mask has ${mask.length} pixels, expected ${width}×${height}`);
  const grey = new Uint8Array(mask.length);
  for (let i = 0; i < mask.length; i++) grey[i] = mask[i] ? 255 : 0;
  // Without b-w sharp widens to sRGB: ISIC masks are single-channel 8-bit greyscale, so ours are too.
  return sharp(grey, { raw: { width, height, channels: 1 } }).toColourspace('b-w').png({ compressionLevel: 9 }).toBuffer();
}

/** Reads a PNG (or any image sharp reads) as a 0/1 mask: pixels at or above half intensity are inside. */
export async function decodeMaskPng(file: string | Uint8Array): Promise<{ mask: Uint8Array; width: number; height: number }> {
  const { data, info } = await sharp(file).greyscale().raw().toBuffer({ resolveWithObject: true });
  const mask = new Uint8Array(info.width * info.height);
  for (let i = 0; i < mask.length; i++) mask[i] = data[i * info.channels]! >= 128 ? 1 : 0;
  return { mask, width: info.width, height: info.height };
}

/** ISIC naming: `ISIC_0000000.jpg` → `ISIC_0000000_segmentation.png`. */
export function isicMaskName(photoPath: string): string {
  return `${basename(photoPath, extname(photoPath))}_segmentation.png`;
}

/** DICOM slice masks: `<slice file name without extension>.mask.png` (frame number added for multi-frame files). */
export function sliceMaskName(slicePath: string, frameIndex: number, multiFrame: boolean): string {
  const stem = basename(slicePath, extname(slicePath));
  return multiFrame ? `${stem}_f${frameIndex + 1}.mask.png` : `${stem}.mask.png`;
}

/** Writes a photograph's mask at native resolution as `<id>_segmentation.png` (0/255), atomically, no clobbering. */
export async function writePhotoMask(photoPath: string, mask: Uint8Array, width: number, height: number, outDir: string, options: { overwrite?: boolean } = {}): Promise<string> {
  const path = join(outDir, isicMaskName(photoPath));
  await writeFileAtomic(path, await encodeMaskPng(mask, width, height), { overwrite: options.overwrite ?? false });
  return path;
}

/**
 * Reads `<slice>.mask.png` files from a folder onto a series (label 1). Slices with no PNG stay empty; a PNG whose
 * size differs from its slice is an error, never silently resampled.
 */
export async function readPngMasksForSeries(dir: string, series: SeriesIndex): Promise<MaskVolume> {
  const multiFrame = new Set(series.instances.filter((i) => i.pixel.numberOfFrames > 1).map((i) => i.path));
  const first = series.slices[0];
  if (!first) throw new Error('series has no slices');
  let found = 0;
  const slices = await Promise.all(
    series.slices.map(async (s) => {
      const file = join(dir, sliceMaskName(s.path, s.frameIndex, multiFrame.has(s.path)));
      if (!existsSync(file)) return new Uint8Array(s.columns * s.rows);
      const png = await decodeMaskPng(file);
      if (png.width !== s.columns || png.height !== s.rows) throw new Error(`${file} is ${png.width}×${png.height}, its slice is ${s.columns}×${s.rows}`);
      found++;
      return png.mask;
    }),
  );
  if (found === 0) throw new Error(`no <slice>.mask.png files for series ${series.seriesInstanceUID} in ${dir}`);
  return volumeFromLabelMaps(first.columns, first.rows, slices, 'Mask');
}
