// Photographs and mask files in and out: PNG, JPEG, TIFF (sharp), BMP (our reader); PNG masks written atomically.
import { open, readFile } from 'node:fs/promises';
import sharp, { type Metadata } from 'sharp';
import { writeFileAtomic } from '../fs/atomic';
import { decodeBmp, ImageFormatError, type DecodedRgb } from './bmp';
import { KIND_NAMES, sniffBytes, type FileKind } from '../fs/sniff';
import { checkPhotoPixels, MAX_PHOTO_PIXELS } from '../budget';

export const PHOTO_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff']);
export { ImageFormatError };

export interface ReadRgbOptions {
  /** Decode at most this many pixels: larger photos are downscaled by sharp while decoding (shrink-on-load for JPEG). */
  readonly maxPixels?: number;
}

/** A decoded photo; source* is the file's own size when it was downscaled while decoding. */
export interface ReadImage extends DecodedRgb {
  readonly sourceWidth: number;
  readonly sourceHeight: number;
}

const PHOTO_KINDS = new Set<FileKind>(['png', 'jpeg', 'tiff', 'bmp']);
/** Samples sharp maps onto 8 bits faithfully; float/integer TIFFs hold measurements, not colours, and are refused. */
const PHOTO_DEPTHS = new Set(['uchar', 'ushort']);

/**
 * Reads a photograph as 8-bit RGB. The format comes from the content (an SVG named .png is refused), the declared
 * size is checked against the pixel budget before anything is decoded, and every refusal names the file and field.
 */
export async function readRgb(path: string, options: ReadRgbOptions = {}): Promise<ReadImage> {
  const bytes = await readFile(path);
  const kind = sniffBytes(bytes.subarray(0, 512));
  if (!PHOTO_KINDS.has(kind)) throw new ImageFormatError(`${path}: not a PNG, JPEG, TIFF or BMP image (content: ${KIND_NAMES[kind]})`);
  if (kind === 'bmp') {
    const h = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    checkPhotoPixels(path, h.getInt32(18, true), Math.abs(h.getInt32(22, true)));
    try {
      const d = decodeBmp(bytes);
      return { ...d, sourceWidth: d.width, sourceHeight: d.height };
    } catch (err) {
      throw new ImageFormatError(`${path}: ${(err as Error).message}`);
    }
  }
  let meta: Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (err) {
    throw new ImageFormatError(`${path}: cannot read the ${KIND_NAMES[kind]} header: ${(err as Error).message}`);
  }
  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  checkPhotoPixels(path, width, height);
  if (!PHOTO_DEPTHS.has(meta.depth ?? '')) {
    throw new ImageFormatError(`${path}: sample format: ${KIND_NAMES[kind]} of ${meta.depth} samples (${meta.channels} channel${meta.channels === 1 ? '' : 's'}) is measurement data, not a photograph; only 8- and 16-bit images are read`);
  }
  const limit = options.maxPixels ?? Infinity;
  const scale = width * height > limit ? Math.sqrt(limit / (width * height)) : 1;
  try {
    let pipeline = sharp(bytes, { limitInputPixels: MAX_PHOTO_PIXELS, failOn: 'error' }).removeAlpha();
    if (scale < 1) pipeline = pipeline.resize(Math.max(1, Math.floor(width * scale)), Math.max(1, Math.floor(height * scale)), { fit: 'fill' });
    const { data, info } = await pipeline.toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new ImageFormatError(`${path}: expected 3 channels, got ${info.channels}`);
    return { width: info.width, height: info.height, rgb: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), sourceWidth: width, sourceHeight: height };
  } catch (err) {
    if (err instanceof ImageFormatError) throw err;
    throw new ImageFormatError(`${path}: cannot decode image: ${(err as Error).message}`);
  }
}

/** The engine's input: RGB scaled to [0, 1] (one pass, no intermediate array). */
export function toUnitRgb(image: DecodedRgb): Float32Array {
  const out = new Float32Array(image.rgb.length);
  for (let i = 0; i < out.length; i++) out[i] = (image.rgb[i] as number) / 255;
  return out;
}

/** A photo's size and format from its header, or a named refusal (the photo walk lists it with the reason). */
export async function photoHeader(path: string): Promise<{ width: number; height: number }> {
  const fh = await open(path, 'r');
  let head: Uint8Array;
  try {
    const buf = new Uint8Array(512);
    head = buf.subarray(0, (await fh.read(buf, 0, 512, 0)).bytesRead);
  } finally {
    await fh.close();
  }
  const kind = sniffBytes(head);
  if (!PHOTO_KINDS.has(kind)) throw new ImageFormatError(`${path}: not a PNG, JPEG, TIFF or BMP image (content: ${KIND_NAMES[kind]})`);
  let width: number, height: number;
  if (kind === 'bmp') {
    if (head.length < 26) throw new ImageFormatError(`${path}: BMP header is truncated`);
    const h = new DataView(head.buffer, head.byteOffset, head.byteLength);
    [width, height] = [h.getInt32(18, true), Math.abs(h.getInt32(22, true))];
  } else {
    let m: Metadata;
    try {
      m = await sharp(path, { limitInputPixels: false }).metadata();
    } catch (err) {
      throw new ImageFormatError(`${path}: cannot read the ${KIND_NAMES[kind]} header: ${(err as Error).message}`);
    }
    [width, height] = [m.width ?? 0, m.height ?? 0];
    if (!PHOTO_DEPTHS.has(m.depth ?? '')) throw new ImageFormatError(`${path}: sample format: ${m.depth} samples are measurement data, not a photograph`);
  }
  checkPhotoPixels(path, width, height);
  return { width, height };
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
