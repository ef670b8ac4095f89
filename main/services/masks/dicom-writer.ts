// A small DICOM encoder (explicit VR little endian, defined lengths) for the objects we export: DICOM SEG.

export type VR =
  | 'AE' | 'AS' | 'CS' | 'DA' | 'DS' | 'DT' | 'FD' | 'FL' | 'IS' | 'LO' | 'LT' | 'OB' | 'OW' | 'PN' | 'SH' | 'SQ' | 'SS'
  | 'ST' | 'TM' | 'UI' | 'UL' | 'US' | 'UT' | 'AT';

export type Item = readonly Element[];
export type Value = string | readonly number[] | Uint8Array | readonly Item[];

export interface Element {
  /** 0xGGGGEEEE */
  readonly tag: number;
  readonly vr: VR;
  readonly value: Value;
}

const LONG_LENGTH: ReadonlySet<VR> = new Set(['OB', 'OW', 'SQ', 'UT']);

export function el(tag: number, vr: VR, value: Value): Element {
  return { tag, vr, value };
}

function encodeValue(e: Element): Uint8Array {
  const { vr, value } = e;
  if (vr === 'SQ') return encodeSequence(value as readonly Item[]);
  if (value instanceof Uint8Array) return value.length % 2 ? concat([value, new Uint8Array(1)]) : value;
  if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'latin1');
    if (bytes.length % 2 === 0) return bytes;
    return concat([bytes, Uint8Array.of(vr === 'UI' || vr === 'OB' ? 0 : 0x20)]);
  }
  const nums = value as readonly number[];
  const size = vr === 'US' || vr === 'SS' ? 2 : vr === 'FD' ? 8 : 4;
  const out = new Uint8Array(nums.length * size);
  const view = new DataView(out.buffer);
  nums.forEach((n, i) => {
    if (vr === 'US') view.setUint16(i * 2, n, true);
    else if (vr === 'SS') view.setInt16(i * 2, n, true);
    else if (vr === 'UL') view.setUint32(i * 4, n, true);
    else if (vr === 'FL') view.setFloat32(i * 4, n, true);
    else if (vr === 'FD') view.setFloat64(i * 8, n, true);
    else if (vr === 'AT') {
      view.setUint16(i * 4, n >>> 16, true);
      view.setUint16(i * 4 + 2, n & 0xffff, true);
    } else throw new Error(`numeric value for VR ${vr}`);
  });
  return out;
}

function encodeSequence(items: readonly Item[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const item of items) {
    const body = encodeDataSet(item);
    const header = new Uint8Array(8);
    const v = new DataView(header.buffer);
    v.setUint16(0, 0xfffe, true);
    v.setUint16(2, 0xe000, true);
    v.setUint32(4, body.length, true);
    parts.push(header, body);
  }
  return concat(parts);
}

export function encodeElement(e: Element): Uint8Array {
  const value = encodeValue(e);
  const long = LONG_LENGTH.has(e.vr);
  const header = new Uint8Array(long ? 12 : 8);
  const v = new DataView(header.buffer);
  v.setUint16(0, e.tag >>> 16, true);
  v.setUint16(2, e.tag & 0xffff, true);
  header[4] = e.vr.charCodeAt(0);
  header[5] = e.vr.charCodeAt(1);
  if (long) v.setUint32(8, value.length, true);
  else {
    if (value.length > 0xffff) throw new Error(`value of ${e.tag.toString(16)} too long for VR ${e.vr}`);
    v.setUint16(6, value.length, true);
  }
  return concat([header, value]);
}

/** Elements in ascending tag order, as PS3.5 7.1 requires. */
export function encodeDataSet(elements: readonly Element[]): Uint8Array {
  const sorted = [...elements].sort((a, b) => a.tag - b.tag);
  return concat(sorted.map(encodeElement));
}

/** Part 10 file: preamble, DICM, File Meta group (with its group length), then the data set. */
export function encodePart10(dataSet: readonly Element[], meta: { sopClassUID: string; sopInstanceUID: string; implementationUID: string }): Uint8Array {
  const metaBody = encodeDataSet([
    el(0x00020001, 'OB', Uint8Array.of(0, 1)),
    el(0x00020002, 'UI', meta.sopClassUID),
    el(0x00020003, 'UI', meta.sopInstanceUID),
    el(0x00020010, 'UI', '1.2.840.10008.1.2.1'),
    el(0x00020012, 'UI', meta.implementationUID),
    el(0x00020013, 'SH', 'S3ANNOTATE_01'),
  ]);
  const groupLength = encodeElement(el(0x00020000, 'UL', [metaBody.length]));
  const preamble = new Uint8Array(132);
  preamble.set([0x44, 0x49, 0x43, 0x4d], 128);
  return concat([preamble, groupLength, metaBody, encodeDataSet(dataSet)]);
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** DS values: at most 16 characters, as PS3.5 requires. */
export function ds(values: readonly number[]): string {
  return values
    .map((v) => {
      for (let digits = 10; digits > 0; digits--) {
        const s = Number(v.toPrecision(digits)).toString();
        if (s.length <= 16) return s;
      }
      return v.toExponential(8);
    })
    .join('\\');
}
