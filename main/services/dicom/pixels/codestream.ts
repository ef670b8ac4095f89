// Reads image dimensions from JPEG, JPEG-LS and JPEG 2000 codestream headers before any codec allocates for them.

export interface CodestreamDims {
  readonly width: number;
  readonly height: number;
  readonly components: number;
  readonly precision: number;
}

/** JPEG family (SOF0–SOF15 except DHT/JPG/DAC, and JPEG-LS SOF55): P, Y, X, Nf follow the segment length. */
function jpegDims(data: Uint8Array): CodestreamDims | undefined {
  let i = 2;
  while (i + 9 < data.length) {
    if (data[i] !== 0xff) return undefined;
    const m = data[i + 1]!;
    if (m === 0xff) {
      i++;
      continue;
    }
    const isSof = (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) || m === 0xf7;
    if (isSof) {
      return { precision: data[i + 4]!, height: (data[i + 5]! << 8) | data[i + 6]!, width: (data[i + 7]! << 8) | data[i + 8]!, components: data[i + 9]! };
    }
    if (m === 0xda) return undefined;
    i += 2 + ((data[i + 2]! << 8) | data[i + 3]!);
  }
  return undefined;
}

/** JPEG 2000: SIZ follows SOC (possibly inside a JP2 wrapper, so the first 4 KiB are searched). */
function j2kDims(data: Uint8Array): CodestreamDims | undefined {
  const limit = Math.min(data.length - 42, 4096);
  for (let i = 0; i < limit; i++) {
    if (data[i] === 0xff && data[i + 1] === 0x4f && data[i + 2] === 0xff && data[i + 3] === 0x51) {
      const v = new DataView(data.buffer, data.byteOffset + i + 4);
      const xsiz = v.getUint32(4);
      const ysiz = v.getUint32(8);
      const xo = v.getUint32(12);
      const yo = v.getUint32(16);
      const components = v.getUint16(36);
      const precision = i + 42 < data.length ? (data[i + 42]! & 0x7f) + 1 : 0;
      return { width: xsiz - xo, height: ysiz - yo, components, precision };
    }
  }
  return undefined;
}

export function codestreamDims(kind: 'jpeg' | 'j2k', data: Uint8Array): CodestreamDims | undefined {
  if (kind === 'j2k') return j2kDims(data);
  if (data[0] !== 0xff || data[1] !== 0xd8) return undefined;
  return jpegDims(data);
}
