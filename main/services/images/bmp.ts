// A small BMP reader (1-, 4-, 8-bit palette; 24- and 32-bit; bottom-up or top-down): PH2 ships its images and masks as BMP.

export interface DecodedRgb {
  readonly width: number;
  readonly height: number;
  /** RGB bytes, row-major, 3 per pixel. */
  readonly rgb: Uint8Array;
}

export class ImageFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImageFormatError';
  }
}

export function decodeBmp(buf: Uint8Array): DecodedRgb {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (buf.length < 54 || buf[0] !== 0x42 || buf[1] !== 0x4d) throw new ImageFormatError('not a BMP file (no "BM" signature)');
  const dataOffset = view.getUint32(10, true);
  const headerSize = view.getUint32(14, true);
  if (headerSize < 40) throw new ImageFormatError(`unsupported BMP header (${headerSize} bytes)`);
  const width = view.getInt32(18, true);
  const rawHeight = view.getInt32(22, true);
  const bpp = view.getUint16(28, true);
  const compression = view.getUint32(30, true);
  const height = Math.abs(rawHeight);
  if (width <= 0 || height <= 0 || width > 65535 || height > 65535) throw new ImageFormatError(`implausible BMP size ${width}×${height}`);
  if (!(compression === 0 || (compression === 3 && bpp === 32))) throw new ImageFormatError(`compressed BMP (method ${compression}) is not supported`);
  if (![1, 4, 8, 24, 32].includes(bpp)) throw new ImageFormatError(`unsupported BMP depth ${bpp} bits`);
  const rowBytes = Math.ceil((width * bpp) / 32) * 4;
  if (dataOffset + rowBytes * height > buf.length) throw new ImageFormatError('BMP file is truncated');
  let palette: Uint8Array | undefined;
  if (bpp <= 8) {
    const colours = view.getUint32(46, true) || 1 << bpp;
    const start = 14 + headerSize;
    if (start + colours * 4 > dataOffset) throw new ImageFormatError('BMP palette is truncated');
    palette = buf.subarray(start, start + colours * 4);
  }
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const row = dataOffset + (rawHeight > 0 ? height - 1 - y : y) * rowBytes;
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      if (bpp >= 24) {
        const p = row + x * (bpp / 8);
        rgb[o] = buf[p + 2] as number;
        rgb[o + 1] = buf[p + 1] as number;
        rgb[o + 2] = buf[p] as number;
      } else {
        const bit = x * bpp;
        const byte = buf[row + (bit >> 3)] as number;
        const index = (byte >> (8 - bpp - (bit & 7))) & ((1 << bpp) - 1);
        const pal = palette as Uint8Array;
        if (index * 4 + 2 >= pal.length) throw new ImageFormatError(`BMP palette index ${index} out of range`);
        rgb[o] = pal[index * 4 + 2] as number;
        rgb[o + 1] = pal[index * 4 + 1] as number;
        rgb[o + 2] = pal[index * 4] as number;
      }
    }
  }
  return { width, height, rgb };
}
