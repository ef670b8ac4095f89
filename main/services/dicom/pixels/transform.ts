// From decoded samples to values: bits-stored masking, sign, rescale to modality units, planar/YBR/palette to RGB.
import type { DataSet } from 'dicom-parser';
import type { PixelFormat } from '../metadata.js';
import { TAG } from '../tags.js';

export type StoredArray = Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array;

/**
 * Turns little-endian sample bytes into stored values: only the low BitsStored bits count (the rest may be overlay
 * or garbage), sign-extended when Pixel Representation is 1.
 */
export function toStoredValues(bytes: Uint8Array, fmt: PixelFormat, bigEndian: boolean): StoredArray {
  const n = fmt.rows * fmt.columns * fmt.samplesPerPixel;
  const signed = fmt.pixelRepresentation === 1;
  const bits = Math.min(fmt.bitsStored, fmt.bitsAllocated);
  const need = n * Math.ceil(fmt.bitsAllocated / 8);
  if (bytes.length < need) throw new Error(`decoded data has ${bytes.length} bytes, ${need} expected`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (fmt.bitsAllocated <= 8) {
    const out = signed ? new Int8Array(n) : new Uint8Array(n);
    const mask = (1 << bits) - 1;
    const sign = 1 << (bits - 1);
    for (let i = 0; i < n; i++) {
      const v = bytes[i]! & mask;
      out[i] = signed && v & sign ? v - (1 << bits) : v;
    }
    return out;
  }
  if (fmt.bitsAllocated === 16) {
    // Copy the bytes once into an aligned 16-bit array, then mask/sign-extend in place: no per-sample DataView calls.
    const words = new Uint16Array(n);
    new Uint8Array(words.buffer).set(bytes.subarray(0, n * 2));
    if (bigEndian) for (let i = 0; i < n; i++) words[i] = ((words[i]! & 0xff) << 8) | (words[i]! >> 8);
    if (bits < 16) {
      const mask = (1 << bits) - 1;
      const shift = 32 - bits;
      if (signed) for (let i = 0; i < n; i++) words[i] = ((words[i]! & mask) << shift) >> shift;
      else for (let i = 0; i < n; i++) words[i] = words[i]! & mask;
    }
    return signed ? new Int16Array(words.buffer) : words;
  }
  const out = signed ? new Int32Array(n) : new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const raw = view.getUint32(i * 4, !bigEndian);
    const v = bits >= 32 ? raw : raw & (2 ** bits - 1);
    out[i] = signed && bits < 32 && v >= 2 ** (bits - 1) ? v - 2 ** bits : v;
  }
  return out;
}

/** Widens codec output (8-bit or 16-bit samples) into the byte layout toStoredValues expects. */
export function samplesToBytes(samples: Uint8Array | Uint16Array | Int16Array, bitsAllocated: number): Uint8Array {
  if (bitsAllocated <= 8) {
    if (samples instanceof Uint8Array) return samples;
    const out = new Uint8Array(samples.length);
    for (let i = 0; i < out.length; i++) out[i] = (samples[i] as number) & 0xff;
    return out;
  }
  if (samples instanceof Uint8Array) {
    const wide = new Uint16Array(samples.length);
    wide.set(samples);
    return new Uint8Array(wide.buffer);
  }
  return new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength);
}

export function rescale(stored: StoredArray, slope: number, intercept: number): Float32Array {
  const out = new Float32Array(stored.length);
  if (slope === 1 && intercept === 0) out.set(stored);
  else for (let i = 0; i < stored.length; i++) out[i] = stored[i]! * slope + intercept;
  return out;
}

/** Colour planes (R…G…B…) to interleaved RGB. */
export function interleavePlanes(planar: StoredArray, pixels: number): StoredArray {
  const Ctor = planar.constructor as new (n: number) => StoredArray;
  const out = new Ctor(pixels * 3);
  for (let i = 0; i < pixels; i++) {
    out[i * 3] = planar[i]!;
    out[i * 3 + 1] = planar[pixels + i]!;
    out[i * 3 + 2] = planar[2 * pixels + i]!;
  }
  return out;
}

/** Interleaved colour samples (RGB or YBR_FULL) to 8-bit RGB for display. */
export function toRgb8(samples: StoredArray, photometric: string, bitsStored: number): Uint8Array {
  const out = new Uint8Array(samples.length);
  const shift = Math.max(0, bitsStored - 8);
  const ybr = photometric.startsWith('YBR_FULL');
  for (let i = 0; i < samples.length; i += 3) {
    const a = samples[i]! >> shift;
    const b = samples[i + 1]! >> shift;
    const c = samples[i + 2]! >> shift;
    if (ybr) {
      out[i] = clamp8(a + 1.402 * (c - 128));
      out[i + 1] = clamp8(a - 0.344136 * (b - 128) - 0.714136 * (c - 128));
      out[i + 2] = clamp8(a + 1.772 * (b - 128));
    } else {
      out[i] = a;
      out[i + 1] = b;
      out[i + 2] = c;
    }
  }
  return out;
}

function clamp8(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
}

/** PALETTE COLOR: each stored index looked up in the red, green and blue LUTs (PS3.3 C.7.6.3.1.5). */
export function applyPalette(ds: DataSet, stored: StoredArray): Uint8Array {
  const luts = (['red', 'green', 'blue'] as const).map((c) => readLut(ds, c));
  const out = new Uint8Array(stored.length * 3);
  for (let i = 0; i < stored.length; i++) {
    for (let c = 0; c < 3; c++) {
      const lut = luts[c]!;
      const idx = Math.min(Math.max(stored[i]! - lut.first, 0), lut.values.length - 1);
      out[i * 3 + c] = lut.values[idx]! >> lut.shift;
    }
  }
  return out;
}

function readLut(ds: DataSet, colour: 'red' | 'green' | 'blue'): { first: number; values: Uint16Array; shift: number } {
  const descTag = TAG[`${colour}PaletteDescriptor`];
  const dataTag = TAG[`${colour}PaletteData`];
  const desc = ds.elements[descTag];
  const data = ds.elements[dataTag];
  if (!desc || desc.length < 6 || !data) throw new Error(`PALETTE COLOR without a ${colour} lookup table`);
  const entries = ds.uint16(descTag, 0) || 65536;
  const first = ds.uint16(descTag, 1) ?? 0;
  const bits = ds.uint16(descTag, 2) ?? 16;
  const bytesPer = data.length >= entries * 2 ? 2 : 1;
  if (data.length < entries * bytesPer) throw new Error(`${colour} palette data shorter than its descriptor`);
  const values = new Uint16Array(entries);
  for (let i = 0; i < entries; i++) values[i] = bytesPer === 2 ? ds.uint16(dataTag, i)! : ds.byteArray[data.dataOffset + i]!;
  return { first, values, shift: bits > 8 ? bits - 8 : 0 };
}
