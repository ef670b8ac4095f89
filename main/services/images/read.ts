// Photographs and mask files in and out: PNG, JPEG, TIFF (sharp), BMP (our reader); PNG masks written atomically.
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import sharp from 'sharp';
import { writeFileAtomic } from '../fs/atomic';
import { decodeBmp, ImageFormatError, type DecodedRgb } from './bmp';

export const PHOTO_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff']);
export { ImageFormatError };

export async function readRgb(path: string): Promise<DecodedRgb> {
  const bytes = await readFile(path);
  if (extname(path).toLowerCase() === '.bmp') return decodeBmp(bytes);
  try {
    const { data, info } = await sharp(bytes, { limitInputPixels: 1e9 }).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new ImageFormatError(`expected 3 channels, got ${info.channels}`);
    return { width: info.width, height: info.height, rgb: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
  } catch (err) {
    if (err instanceof ImageFormatError) throw err;
    throw new ImageFormatError(`cannot decode image: ${(err as Error).message}`);
  }
}

/** The engine's input: RGB scaled to [0, 1]. */
export function toUnitRgb(image: DecodedRgb): Float32Array {
  return Float32Array.from(image.rgb, (v) => v / 255);
}

/** A mask file as 0/1 (any channel above half-scale counts as foreground). */
export async function readMask(path: string): Promise<{ width: number; height: number; mask: Uint8Array }> {
  const { width, height, rgb } = await readRgb(path);
  const mask = new Uint8Array(width * height);
  for (let i = 0; i < mask.length; i++) mask[i] = Math.max(rgb[i * 3] as number, rgb[i * 3 + 1] as number, rgb[i * 3 + 2] as number) > 127 ? 1 : 0;
  return { width, height, mask };
}

/** Writes an 8-bit greyscale PNG; never replaces an existing file unless overwrite. */
export async function writeGreyPng(path: string, pixels: Uint8Array, width: number, height: number, overwrite = false): Promise<void> {
  const png = await sharp(Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength), { raw: { width, height, channels: 1 } })
    // Without b-w sharp writes three identical channels; masks are 8-bit greyscale for other tools.
    .toColourspace('b-w')
    .png({ compressionLevel: 6 })
    .toBuffer();
  await writeFileAtomic(path, png, { overwrite });
}
