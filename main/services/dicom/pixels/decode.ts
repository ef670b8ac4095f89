// Decodes one frame of any supported transfer syntax into stored values, modality values (HU) and/or 8-bit RGB.
import { readFile } from 'node:fs/promises';
import type { DataSet } from 'dicom-parser';
import { DicomError, describeError } from '../errors.js';
import { parseDicomBytes } from '../parse.js';
import { functionalGroup, numbers, readPixelFormat, str, type PixelFormat } from '../metadata.js';
import { TAG, TS, NATIVE_SYNTAXES } from '../tags.js';
import { decodeJpegLossless, decodeWithWasm } from './codecs.js';
import { decodeDctJpeg } from './jpeg-dct.js';
import { decodeRle } from './rle.js';
import { codestreamDims } from './codestream.js';
import { encapsulatedFrame, expandYbr422, nativeFrame } from './frames.js';
import { dicomFramePixelsProblem } from '../../budget.js';
import { applyPalette, interleavePlanes, rescale, samplesToBytes, toRgb8, toStoredValues, type StoredArray } from './transform.js';

export interface WindowLevel {
  readonly center: number;
  readonly width: number;
}

export interface DecodedFrame {
  readonly path: string;
  readonly frameIndex: number;
  readonly width: number;
  readonly height: number;
  readonly samplesPerPixel: number;
  readonly photometric: string;
  readonly transferSyntax: string;
  /** Stored pixel values (interleaved for colour). */
  readonly stored: StoredArray;
  /** Monochrome only: stored × slope + intercept (Hounsfield units for CT). */
  readonly modality: Float32Array | undefined;
  /** Colour and palette images: interleaved 8-bit RGB. */
  readonly rgb: Uint8Array | undefined;
  readonly rescale: { readonly slope: number; readonly intercept: number };
  /** First window in the header (per-frame VOI LUT for enhanced objects), in modality units. */
  readonly window: WindowLevel | undefined;
  /** MONOCHROME1: low values are white; applyWindow inverts so the display looks right. */
  readonly invert: boolean;
  /** Defects that did not stop decoding (missing delimiters, codestream/header disagreements). */
  readonly warnings: readonly string[];
}

/** One frame may never need more than this, whatever its header says. */
export const MAX_FRAME_BYTES = 256 * 1024 * 1024;
/** Decoded/compressed size bound: generous for blank images, but a forged 65535×65535 header is refused. */
const MAX_COMPRESSION_RATIO = 1000;
/** PackBits: a 2-byte run expands to at most 128 bytes, so RLE can never legitimately exceed 64:1. */
const MAX_RLE_RATIO = 64;
const MIN_DECODE_BUDGET = 4 * 1024 * 1024;

function validate(fmt: PixelFormat): void {
  if (!fmt.rows || !fmt.columns) throw new Error('Rows or Columns missing or zero');
  if (![1, 8, 16, 32].includes(fmt.bitsAllocated)) throw new Error(`Bits Allocated ${fmt.bitsAllocated} is not supported`);
  if (fmt.samplesPerPixel !== 1 && fmt.samplesPerPixel !== 3) throw new Error(`Samples per Pixel ${fmt.samplesPerPixel} is not 1 or 3`);
  if (fmt.bitsStored < 1 || fmt.bitsStored > fmt.bitsAllocated) throw new Error(`Bits Stored ${fmt.bitsStored} does not fit Bits Allocated ${fmt.bitsAllocated}`);
  const tooMany = dicomFramePixelsProblem(fmt.rows, fmt.columns);
  if (tooMany) throw new Error(tooMany);
  const bytes = fmt.rows * fmt.columns * fmt.samplesPerPixel * Math.ceil(fmt.bitsAllocated / 8);
  if (bytes > MAX_FRAME_BYTES) throw new Error(`frame of ${bytes} bytes exceeds the ${MAX_FRAME_BYTES}-byte limit`);
}

async function decompress(syntax: string, data: Uint8Array, fmt: PixelFormat, warnings: string[]): Promise<{ bytes: Uint8Array; interleaved: boolean }> {
  const expected = fmt.rows * fmt.columns * fmt.samplesPerPixel * (fmt.bitsAllocated / 8);
  const ratio = syntax === TS.rle ? MAX_RLE_RATIO : MAX_COMPRESSION_RATIO;
  if (expected > Math.max(syntax === TS.rle ? 0 : MIN_DECODE_BUDGET, 64 + data.length * ratio)) {
    throw new Error(`header claims ${expected} decoded bytes from a ${data.length}-byte frame: refusing`);
  }
  const dims = codestreamDims(syntax === TS.j2k || syntax === TS.j2kLossless ? 'j2k' : 'jpeg', data);
  if (syntax !== TS.rle) {
    // Checked before decoding so that the codec never allocates for dimensions the DICOM header did not promise.
    if (!dims) throw new Error('no readable frame header in the compressed frame');
    if (dims.width !== fmt.columns || dims.height !== fmt.rows || dims.components !== fmt.samplesPerPixel) {
      throw new Error(`codestream is ${dims.width}×${dims.height}×${dims.components}, header says ${fmt.columns}×${fmt.rows}×${fmt.samplesPerPixel}`);
    }
    if (dims.precision > fmt.bitsAllocated) throw new Error(`codestream precision ${dims.precision} exceeds Bits Allocated ${fmt.bitsAllocated}`);
    if (dims.precision !== fmt.bitsStored) warnings.push(`codestream precision ${dims.precision} differs from Bits Stored ${fmt.bitsStored}`);
  }
  const check = (width: number, height: number, components: number): void => {
    if (width !== fmt.columns || height !== fmt.rows || components !== fmt.samplesPerPixel) {
      throw new Error(`codestream is ${width}×${height}×${components}, header says ${fmt.columns}×${fmt.rows}×${fmt.samplesPerPixel}`);
    }
  };
  switch (syntax) {
    case TS.rle:
      return { bytes: decodeRle(data, fmt.rows, fmt.columns, fmt.samplesPerPixel, fmt.bitsAllocated), interleaved: true };
    case TS.jpegBaseline:
    case TS.jpegExtended: {
      if (dims!.precision === 8) {
        const out = await decodeWithWasm('JPEGDecoder', data, expected * 2);
        check(out.width, out.height, out.components);
        return { bytes: samplesToBytes(out.bytes, fmt.bitsAllocated), interleaved: true };
      }
      const img = decodeDctJpeg(data, fmt.rows * fmt.columns * fmt.samplesPerPixel);
      check(img.width, img.height, img.components);
      return { bytes: samplesToBytes(img.samples, fmt.bitsAllocated), interleaved: true };
    }
    case TS.jpegLossless14:
    case TS.jpegLosslessSV1: {
      const samples = decodeJpegLossless(data, fmt.bitsAllocated > 8 ? 2 : 1);
      if (samples.length !== fmt.rows * fmt.columns * fmt.samplesPerPixel) throw new Error('JPEG lossless output size does not match the header');
      return { bytes: samplesToBytes(samples, fmt.bitsAllocated), interleaved: true };
    }
    case TS.jpegLSLossless:
    case TS.jpegLSNearLossless: {
      const out = await decodeWithWasm('JpegLSDecoder', data, expected);
      check(out.width, out.height, out.components);
      return { bytes: widen(out.bytes, out.bitsPerSample, fmt.bitsAllocated), interleaved: true };
    }
    case TS.j2kLossless:
    case TS.j2k: {
      const out = await decodeWithWasm('J2KDecoder', data, expected);
      check(out.width, out.height, out.components);
      return { bytes: widen(out.bytes, out.bitsPerSample, fmt.bitsAllocated), interleaved: true };
    }
    default:
      throw new Error(`transfer syntax ${syntax} is not supported`);
  }
}

/** Codecs return one byte per sample for precision ≤ 8, even when the DICOM header allocates 16 bits. */
function widen(bytes: Uint8Array, bitsPerSample: number, bitsAllocated: number): Uint8Array {
  return bitsPerSample <= 8 && bitsAllocated > 8 ? samplesToBytes(bytes, bitsAllocated) : bytes;
}

function readRescale(ds: DataSet, frame: number): { slope: number; intercept: number } {
  const group = functionalGroup(ds, frame, TAG.pixelValueTransformationSequence);
  const slope = numbers(ds, TAG.rescaleSlope)?.[0] ?? numbers(group, TAG.rescaleSlope)?.[0] ?? 1;
  const intercept = numbers(ds, TAG.rescaleIntercept)?.[0] ?? numbers(group, TAG.rescaleIntercept)?.[0] ?? 0;
  return { slope: slope === 0 ? 1 : slope, intercept };
}

function readWindow(ds: DataSet, frame: number): WindowLevel | undefined {
  const group = functionalGroup(ds, frame, TAG.frameVOILUTSequence);
  const center = numbers(ds, TAG.windowCenter)?.[0] ?? numbers(group, TAG.windowCenter)?.[0];
  const width = numbers(ds, TAG.windowWidth)?.[0] ?? numbers(group, TAG.windowWidth)?.[0];
  return center !== undefined && width !== undefined && width > 0 ? { center, width } : undefined;
}

/** Decodes frame `frameIndex` of a parsed data set. Throws plain Errors; decodeFrame adds the path. */
export async function decodeDataSet(ds: DataSet, syntax: string, path: string, frameIndex: number): Promise<DecodedFrame> {
  if (!ds.elements[TAG.pixelData]) throw new Error('no Pixel Data element: not an image');
  const fmt = readPixelFormat(ds);
  validate(fmt);
  if (frameIndex < 0 || frameIndex >= fmt.numberOfFrames || !Number.isInteger(frameIndex)) {
    throw new Error(`frame ${frameIndex + 1} requested, the object has ${fmt.numberOfFrames}`);
  }
  const el = ds.elements[TAG.pixelData];
  if (!el) throw new Error('no Pixel Data element');
  const pixels = fmt.rows * fmt.columns;
  let stored: StoredArray;
  let planar = fmt.planarConfiguration === 1;
  const warnings = [...ds.warnings];
  if (NATIVE_SYNTAXES.has(syntax) && !el.encapsulatedPixelData) {
    let raw = nativeFrame(ds, el, fmt, frameIndex);
    if (fmt.photometric === 'YBR_FULL_422' && fmt.samplesPerPixel === 3) {
      if (fmt.bitsAllocated !== 8 || planar) throw new Error('YBR_FULL_422 is only defined for 8-bit interleaved data');
      raw = expandYbr422(raw, fmt.rows, fmt.columns);
    }
    stored = fmt.bitsAllocated === 1 ? raw : toStoredValues(raw, fmt, syntax === TS.explicitBE && fmt.bitsAllocated > 8);
  } else {
    if (!el.encapsulatedPixelData) throw new Error(`transfer syntax ${syntax} needs encapsulated Pixel Data`);
    const data = encapsulatedFrame(ds, el, fmt, frameIndex, syntax);
    const { bytes, interleaved } = await decompress(syntax, data, fmt, warnings);
    if (interleaved) planar = false;
    stored = toStoredValues(bytes, fmt, false);
  }
  if (fmt.samplesPerPixel === 3 && planar) stored = interleavePlanes(stored, pixels);
  const photometric = fmt.photometric;
  const colour = fmt.samplesPerPixel === 3;
  // JPEG, JPEG-LS and JPEG 2000 decoders undo their colour transform: their output is RGB whatever the header says.
  const colourSpace = el.encapsulatedPixelData && syntax !== TS.rle ? 'RGB' : photometric;
  const palette = photometric === 'PALETTE COLOR';
  const rescaleValues = readRescale(ds, frameIndex);
  return {
    path,
    frameIndex,
    width: fmt.columns,
    height: fmt.rows,
    samplesPerPixel: fmt.samplesPerPixel,
    photometric,
    transferSyntax: syntax,
    stored,
    modality: colour || palette ? undefined : rescale(stored, rescaleValues.slope, rescaleValues.intercept),
    rgb: palette ? applyPalette(ds, stored) : colour ? toRgb8(stored, colourSpace, fmt.bitsStored) : undefined,
    rescale: rescaleValues,
    window: readWindow(ds, frameIndex),
    invert: photometric === 'MONOCHROME1',
    warnings,
  };
}

/** Decodes several frames of one file with a single read and parse (multi-frame series). */
export async function decodeFrames(path: string, frameIndices: readonly number[]): Promise<DecodedFrame[]> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new DicomError(path, `cannot read file: ${describeError(err)}`);
  }
  const parsed = parseDicomBytes(bytes, path);
  const out: DecodedFrame[] = [];
  for (const f of frameIndices) {
    try {
      out.push(await decodeDataSet(parsed.dataSet, parsed.transferSyntax, path, f));
    } catch (err) {
      throw new DicomError(path, `cannot decode pixels (${parsed.transferSyntax}): ${describeError(err)}`);
    }
  }
  return out;
}

/** Reads and decodes one frame of a file (or of bytes already in memory, named by path). */
export async function decodeFrame(source: string | Uint8Array, frameIndex = 0, path = typeof source === 'string' ? source : '<memory>'): Promise<DecodedFrame> {
  let bytes: Uint8Array;
  try {
    bytes = typeof source === 'string' ? await readFile(source) : source;
  } catch (err) {
    throw new DicomError(path, `cannot read file: ${describeError(err)}`);
  }
  const parsed = parseDicomBytes(bytes, path);
  try {
    return await decodeDataSet(parsed.dataSet, parsed.transferSyntax, path, frameIndex);
  } catch (err) {
    throw new DicomError(path, `cannot decode pixels (${str(parsed.dataSet, TAG.transferSyntaxUID) || parsed.transferSyntax}): ${describeError(err)}`);
  }
}

export type DecodeResult = { readonly ok: true; readonly value: DecodedFrame } | { readonly ok: false; readonly error: { readonly path: string; readonly reason: string } };

/** decodeFrame with the failure as a value, for callers (IPC handlers) that return Results rather than throw. */
export async function tryDecodeFrame(source: string | Uint8Array, frameIndex = 0, path = typeof source === 'string' ? source : '<memory>'): Promise<DecodeResult> {
  try {
    return { ok: true, value: await decodeFrame(source, frameIndex, path) };
  } catch (err) {
    return { ok: false, error: err instanceof DicomError ? { path: err.path, reason: err.reason } : { path, reason: describeError(err) } };
  }
}
