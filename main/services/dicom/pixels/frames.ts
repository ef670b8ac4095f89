// Finds one frame's bytes in Pixel Data: native (packed bits, big endian), or encapsulated (offset table or not).
import dicomParser from 'dicom-parser';
import type { DataSet, Element } from 'dicom-parser';
import { describeError } from '../errors.js';
import type { PixelFormat } from '../metadata.js';
import { TS } from '../tags.js';

const JPEG_SYNTAXES: ReadonlySet<string> = new Set([TS.jpegBaseline, TS.jpegExtended, TS.jpegLossless14, TS.jpegLosslessSV1]);

/** Bytes of one native frame. YBR_FULL_422 stores two luma samples per shared chroma pair: 2 samples a pixel. */
export function nativeFrameBytes(fmt: PixelFormat): number {
  const samples = fmt.photometric === 'YBR_FULL_422' && fmt.samplesPerPixel === 3 ? 2 : fmt.samplesPerPixel;
  return (fmt.rows * fmt.columns * samples * fmt.bitsAllocated) / 8;
}

/** YBR_FULL_422 (Y1 Y2 Cb Cr per pixel pair) to full-resolution interleaved Y Cb Cr, 8-bit. */
export function expandYbr422(packed: Uint8Array, rows: number, columns: number): Uint8Array {
  const out = new Uint8Array(rows * columns * 3);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < columns; c += 2) {
      const i = (r * columns + c) * 2;
      const [y1, y2, cb, cr] = [packed[i]!, packed[i + 1]!, packed[i + 2]!, packed[i + 3]!];
      const o = (r * columns + c) * 3;
      out.set([y1, cb, cr], o);
      if (c + 1 < columns) out.set([y2, cb, cr], o + 3);
    }
  }
  return out;
}

/** Native frame bytes as stored (a view into the file buffer; big-endian swapping is done by the caller). */
export function nativeFrame(ds: DataSet, el: Element, fmt: PixelFormat, frame: number): Uint8Array {
  const pixels = fmt.rows * fmt.columns * fmt.samplesPerPixel;
  const bytes = ds.byteArray;
  const available = Math.min(el.length, bytes.length - el.dataOffset);
  if (fmt.bitsAllocated === 1) {
    // Bit-packed frames follow each other without byte alignment (PS3.5 8.1.1), so a frame may start mid-byte.
    const startBit = frame * pixels;
    const endByte = Math.ceil((startBit + pixels) / 8);
    if (endByte > available) throw new Error(`Pixel Data too short for frame ${frame + 1} (${available} of ${endByte} bytes)`);
    const out = new Uint8Array(pixels);
    for (let i = 0; i < pixels; i++) {
      const bit = startBit + i;
      out[i] = (bytes[el.dataOffset + (bit >> 3)]! >> (bit & 7)) & 1;
    }
    return out;
  }
  const frameBytes = nativeFrameBytes(fmt);
  const start = frame * frameBytes;
  if (start + frameBytes > available) {
    throw new Error(`Pixel Data too short: frame ${frame + 1} needs bytes ${start}–${start + frameBytes}, only ${available} present`);
  }
  return bytes.subarray(el.dataOffset + start, el.dataOffset + start + frameBytes);
}

/** One compressed frame. Without an offset table, fragments map one-to-one to frames, or JPEG markers are used. */
export function encapsulatedFrame(ds: DataSet, el: Element, fmt: PixelFormat, frame: number, syntax: string): Uint8Array {
  const fragments = el.fragments ?? [];
  if (fragments.length === 0) throw new Error('encapsulated Pixel Data has no fragments');
  try {
    if (fmt.numberOfFrames === 1) return dicomParser.readEncapsulatedPixelDataFromFragments(ds, el, 0, fragments.length);
    if (el.basicOffsetTable && el.basicOffsetTable.length > 0) {
      if (el.basicOffsetTable.length !== fmt.numberOfFrames) throw new Error('Basic Offset Table and Number of Frames disagree');
      return dicomParser.readEncapsulatedImageFrame(ds, el, frame);
    }
    if (fragments.length === fmt.numberOfFrames) return dicomParser.readEncapsulatedPixelDataFromFragments(ds, el, frame, 1);
    if (JPEG_SYNTAXES.has(syntax)) {
      const table = dicomParser.createJPEGBasicOffsetTable(ds, el);
      if (table.length !== fmt.numberOfFrames) throw new Error(`found ${table.length} JPEG frames, header says ${fmt.numberOfFrames}`);
      return dicomParser.readEncapsulatedImageFrame(ds, el, frame, table);
    }
  } catch (err) {
    throw new Error(`cannot locate frame ${frame + 1} in encapsulated Pixel Data: ${describeError(err)}`);
  }
  throw new Error(`${fragments.length} fragments for ${fmt.numberOfFrames} frames and no Basic Offset Table`);
}
