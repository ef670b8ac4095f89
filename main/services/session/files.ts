// On-disk formats of the session store: compact mask/label files and safe file names for item ids.
import { createHash } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';

const MAGIC = 0x314d3353; // "S3M1"

/** File-system-safe, stable name for any id (item ids are paths or UIDs). */
export function fileKey(id: string): string {
  return createHash('sha1').update(id).digest('hex').slice(0, 24);
}

/** Header (magic, width, height) + deflated bytes: a 512×512 mask is a few kB and encodes in about a millisecond. */
export function encodeGrid(width: number, height: number, data: Uint8Array): Uint8Array {
  const body = deflateRawSync(data, { level: 1 });
  const out = new Uint8Array(12 + body.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, width, true);
  view.setUint32(8, height, true);
  out.set(body, 12);
  return out;
}

export function decodeGrid(bytes: Uint8Array): { width: number; height: number; data: Uint8Array } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 12 || view.getUint32(0, true) !== MAGIC) throw new Error('not a mask file');
  const width = view.getUint32(4, true);
  const height = view.getUint32(8, true);
  const data = new Uint8Array(inflateRawSync(bytes.subarray(12)));
  if (data.length !== width * height) throw new Error('mask file is truncated');
  return { width, height, data };
}
