// PNG masks: one 8-bit greyscale image per slice or photograph at native resolution, 0 = background, 255 = mask.
import sharp from 'sharp';
import { basename, extname } from 'node:path';

/** Any non-zero label becomes 255: PNG masks are binary, as ISIC's are. */
export async function encodeMaskPng(mask: Uint8Array, width: number, height: number): Promise<Uint8Array> {
  if (mask.length !== width * height) throw new Error(`mask has ${mask.length} pixels, expected ${width}×${height}`);
  const grey = new Uint8Array(mask.length);
  for (let i = 0; i < mask.length; i++) grey[i] = mask[i] ? 255 : 0;
  return sharp(grey, { raw: { width, height, channels: 1 } }).png({ compressionLevel: 9 }).toBuffer();
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
