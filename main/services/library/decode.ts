// Pixel decoding, the CPU-heavy part of showing an item: run in a worker thread (decode-worker.ts) or inline.
import { decodeFrame } from '../../services/dicom';
import { readRgb } from '../../services/images/read';
import { IpcError } from '../errors';

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

/** Photographs through the image service (BMP reader, sharp for the rest), widened to RGBA for the viewport. */
async function decodePhoto(path: string): Promise<DecodedPhoto> {
  const { width, height, rgb } = await readRgb(path);
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0, j = 0; i < rgb.length; i += 3, j += 4) {
    rgba[j] = rgb[i] ?? 0;
    rgba[j + 1] = rgb[i + 1] ?? 0;
    rgba[j + 2] = rgb[i + 2] ?? 0;
    rgba[j + 3] = 255;
  }
  return { width, height, rgba };
}
