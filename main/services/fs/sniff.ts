// What a file is, from its first bytes: images, DICOM and NIfTI are recognised by content, never by their name.
import { open } from 'node:fs/promises';

export type FileKind = 'png' | 'jpeg' | 'tiff' | 'bmp' | 'webp' | 'gif' | 'svg' | 'dicom' | 'nifti' | 'gzip' | 'unknown';

const starts = (b: Uint8Array, sig: readonly number[], at = 0): boolean => b.length >= at + sig.length && sig.every((x, i) => b[at + i] === x);

/** Classifies a file's head (the first 512 bytes are enough for every kind here). */
export function sniffBytes(b: Uint8Array): FileKind {
  if (starts(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (starts(b, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (starts(b, [0x49, 0x49, 0x2a, 0x00]) || starts(b, [0x4d, 0x4d, 0x00, 0x2a]) || starts(b, [0x49, 0x49, 0x2b, 0x00]) || starts(b, [0x4d, 0x4d, 0x00, 0x2b])) return 'tiff';
  if (starts(b, [0x42, 0x4d]) && b.length >= 54) return 'bmp';
  if (starts(b, [0x52, 0x49, 0x46, 0x46]) && starts(b, [0x57, 0x45, 0x42, 0x50], 8)) return 'webp';
  if (starts(b, [0x47, 0x49, 0x46, 0x38])) return 'gif';
  if (starts(b, [0x44, 0x49, 0x43, 0x4d], 128)) return 'dicom';
  if (starts(b, [0x1f, 0x8b])) return 'gzip';
  if (b.length >= 348) {
    const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
    if ((v.getInt32(0, true) === 348 || v.getInt32(0, false) === 348) && (starts(b, [0x6e, 0x2b, 0x31, 0x00], 344) || starts(b, [0x6e, 0x69, 0x31, 0x00], 344))) return 'nifti';
  }
  const text = new TextDecoder('utf-8', { fatal: false }).decode(b.subarray(0, 512)).trimStart().toLowerCase();
  if (text.startsWith('<svg') || (text.startsWith('<?xml') && text.includes('<svg'))) return 'svg';
  return 'unknown';
}

export async function sniffFile(path: string): Promise<FileKind> {
  const fh = await open(path, 'r');
  try {
    const head = new Uint8Array(512);
    const { bytesRead } = await fh.read(head, 0, head.length, 0);
    return sniffBytes(head.subarray(0, bytesRead));
  } finally {
    await fh.close();
  }
}

export const KIND_NAMES: Record<FileKind, string> = {
  png: 'PNG', jpeg: 'JPEG', tiff: 'TIFF', bmp: 'BMP', webp: 'WebP', gif: 'GIF', svg: 'SVG (XML text)', dicom: 'DICOM',
  nifti: 'NIfTI-1', gzip: 'gzip', unknown: 'no known format',
};
