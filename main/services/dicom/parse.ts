// Safe wrapper around dicom-parser: files with or without preamble/meta header, bounded deflate, errors as DicomError.
import dicomParser from 'dicom-parser';
import type { DataSet } from 'dicom-parser';
import { inflateRawSync } from 'node:zlib';
import { DicomError, describeError } from './errors.js';
import { TAG, TS } from './tags.js';
import { MAX_INFLATED_BYTES } from '../budget.js';

export interface ParsedDicom {
  readonly dataSet: DataSet;
  readonly transferSyntax: string;
  /** False for raw data sets (no 128-byte preamble, no `DICM`, no file meta). */
  readonly hasPart10Header: boolean;
  /** Offsets in dataSet minus this are file offsets (a synthetic preamble may have been prepended). */
  readonly byteShift: number;
}

export interface ParseOptions {
  /** Stop before Pixel Data: metadata only. */
  readonly metadataOnly?: boolean;
}

/** Deflate can legitimately expand a lot, but an unbounded inflate of a hostile file would exhaust memory. */
const MAX_INFLATE_RATIO = 64;

function isPart10(bytes: Uint8Array): boolean {
  return bytes.length >= 132 && bytes[128] === 0x44 && bytes[129] === 0x49 && bytes[130] === 0x43 && bytes[131] === 0x4d;
}

const VR_CODES = new Set(
  'AE AS AT CS DA DS DT FL FD IS LO LT OB OD OF OL OV OW PN SH SL SQ SS ST SV TM UC UI UL UN UR US UT UV'.split(' '),
);

/**
 * A raw data set (no preamble) has to start with a small, even group number, usually 0002 or 0008.
 * Returns the transfer syntax to parse it with, or undefined when the bytes do not look like DICOM at all.
 */
export function sniffRawDataSet(bytes: Uint8Array): { syntax: string; hasMeta: boolean } | undefined {
  if (bytes.length < 8) return undefined;
  const group = bytes[0]! | (bytes[1]! << 8);
  if (group !== 0x0002 && group !== 0x0008) return undefined;
  const vr = String.fromCharCode(bytes[4]!, bytes[5]!);
  const explicit = VR_CODES.has(vr);
  return { syntax: explicit ? TS.explicitLE : TS.implicitLE, hasMeta: group === 0x0002 };
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Parses a DICOM file's bytes; throws DicomError naming path and reason. */
export function parseDicomBytes(bytes: Uint8Array, path: string, options: ParseOptions = {}): ParsedDicom {
  let buffer = toBuffer(bytes);
  let part10 = isPart10(buffer);
  let rawSyntax: string | undefined;
  let byteShift = 0;
  if (!part10) {
    const sniff = sniffRawDataSet(buffer);
    if (!sniff) throw new DicomError(path, 'not a DICOM file (no DICM prefix at byte 128 and no recognisable data set start)');
    if (sniff.hasMeta) {
      // File meta present but no preamble: give dicom-parser the preamble it expects (one copy, file-sized).
      const withPreamble = Buffer.alloc(buffer.length + 132);
      withPreamble.write('DICM', 128, 'latin1');
      buffer.copy(withPreamble, 132);
      buffer = withPreamble;
      part10 = true;
      byteShift = 132;
    } else {
      rawSyntax = sniff.syntax;
    }
  }
  const cap = Math.min(MAX_INFLATED_BYTES, Math.max(1 << 20, buffer.length * MAX_INFLATE_RATIO));
  let dataSet: DataSet;
  try {
    dataSet = dicomParser.parseDicom(buffer, {
      ...(options.metadataOnly ? { untilTag: TAG.pixelData } : {}),
      ...(rawSyntax ? { TransferSyntaxUID: rawSyntax } : {}),
      inflater: (arr: Uint8Array, position: number) => {
        const src = toBuffer(arr);
        const inflated = inflateRawSync(src.subarray(position), { maxOutputLength: cap });
        const full = Buffer.alloc(position + inflated.length);
        src.copy(full, 0, 0, position);
        inflated.copy(full, position);
        return full;
      },
    } as dicomParser.ParseDicomOptions);
  } catch (err) {
    const why = describeError(err);
    // dicom-parser's wording ("buffer overrun", "overread") is about its own buffer; say what it means for the file.
    const truncated = /overrun|overread|beyond|end of buffer/i.test(why);
    throw new DicomError(path, truncated ? `truncated or corrupt element length (${why})` : `unreadable DICOM: ${why}`);
  }
  const transferSyntax = (dataSet.string(TAG.transferSyntaxUID) ?? rawSyntax ?? TS.implicitLE).trim();
  return { dataSet, transferSyntax, hasPart10Header: part10 && !rawSyntax, byteShift };
}
