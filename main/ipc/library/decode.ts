// Pixel decoding, the CPU-heavy part of showing an item: run in a worker thread (decode-worker.ts) or inline.
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import sharp from 'sharp';
import { decodeFrame } from '../../services/dicom';
import { IpcError } from '../handler';

export type DecodeRequest = { readonly kind: 'slice'; readonly path: string; readonly frameIndex: number } | { readonly kind: 'photo'; readonly path: string };

export interface DecodedSlice {
  readonly width: number;
  readonly height: number;
  readonly hu: Int16Array;
  readonly window: { readonly center: number; readonly width: number } | null;
}
export interface DecodedPhoto {
  readonly width: number;
  readonly height: number;
  readonly rgba: Uint8Array;
}

/** 'high': the item on screen; 'low': prefetching its neighbours. */
export type Priority = 'high' | 'low';

export interface Decode {
  (request: { kind: 'slice'; path: string; frameIndex: number }, priority?: Priority): Promise<DecodedSlice>;
  (request: { kind: 'photo'; path: string }, priority?: Priority): Promise<DecodedPhoto>;
}

export async function decodeItem(request: DecodeRequest): Promise<DecodedSlice | DecodedPhoto> {
  return request.kind === 'photo' ? decodePhoto(request.path) : decodeSlice(request.path, request.frameIndex);
}

/** Modality values (HU for CT) rounded into Int16: half the bytes of Float32 over IPC, and exact for CT. */
async function decodeSlice(path: string, frameIndex: number): Promise<DecodedSlice> {
  const f = await decodeFrame(path, frameIndex);
  if (!f.modality) throw new IpcError('unavailable', `${f.photometric} DICOM images are not supported in the viewer yet`);
  const hu = new Int16Array(f.width * f.height);
  for (let i = 0; i < hu.length; i++) hu[i] = Math.max(-32768, Math.min(32767, Math.round(f.modality[i] ?? 0)));
  return { width: f.width, height: f.height, hu, window: f.window ? { center: f.window.center, width: f.window.width } : null };
}

async function decodePhoto(path: string): Promise<{ width: number; height: number; rgba: Uint8Array }> {
  if (extname(path).toLowerCase() !== '.bmp') {
    const { data, info } = await sharp(path).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    return { width: info.width, height: info.height, rgba: new Uint8Array(data.buffer, data.byteOffset, data.length) };
  }
  const buf = await readFile(path);
  const v = new DataView(buf.buffer, buf.byteOffset, buf.length);
  const offset = v.getUint32(10, true);
  const width = v.getInt32(18, true);
  const rawH = v.getInt32(22, true);
  const height = Math.abs(rawH);
  const bpp = v.getUint16(28, true);
  if (bpp !== 24 && bpp !== 32) throw new IpcError('unavailable', `BMP with ${bpp} bits per pixel is not supported here`);
  const stride = Math.ceil((width * bpp) / 32) * 4;
  const rgba = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    const row = offset + (rawH > 0 ? height - 1 - y : y) * stride;
    for (let x = 0; x < width; x++) {
      const s = row + (x * bpp) / 8;
      const d = (y * width + x) * 4;
      rgba[d] = buf[s + 2] ?? 0;
      rgba[d + 1] = buf[s + 1] ?? 0;
      rgba[d + 2] = buf[s] ?? 0;
      rgba[d + 3] = 255;
    }
  }
  return { width, height, rgba };
}
