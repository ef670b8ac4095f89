// Every BMP depth the reader claims (built byte by byte here), PNG/JPEG/TIFF through sharp, and the PNG mask writer.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeBmp } from '../../../main/services/images/bmp';
import { readMask, readRgb, toUnitRgb, writeGreyPng } from '../../../main/services/images/read';
import { FileExistsError } from '../../../main/services/fs/atomic';

// A 5×3 test picture: distinct colours so row order, column order and channel order all show.
const W = 5, H = 3;
const PIXELS: [number, number, number][] = Array.from({ length: W * H }, (_, i) => [(i * 17) % 256, (i * 53 + 9) % 256, 255 - i * 11]);

/** A BITMAPINFOHEADER BMP: palette for ≤ 8 bits (index = pixel number mod palette size), rows padded to 4 bytes. */
function encodeBmp(bpp: 1 | 4 | 8 | 24 | 32, topDown = false): { bytes: Uint8Array; expected: [number, number, number][] } {
  const colours = bpp <= 8 ? 1 << bpp : 0;
  const palette = PIXELS.slice(0, colours).concat(Array.from({ length: Math.max(0, colours - PIXELS.length) }, () => [0, 0, 0] as [number, number, number]));
  const index = (i: number) => i % Math.max(1, Math.min(colours, PIXELS.length));
  const rowBytes = Math.ceil((W * bpp) / 32) * 4;
  const offset = 54 + colours * 4;
  const buf = new Uint8Array(offset + rowBytes * H);
  const v = new DataView(buf.buffer);
  buf[0] = 0x42; buf[1] = 0x4d;
  v.setUint32(2, buf.length, true);
  v.setUint32(10, offset, true);
  v.setUint32(14, 40, true);
  v.setInt32(18, W, true);
  v.setInt32(22, topDown ? -H : H, true);
  v.setUint16(26, 1, true);
  v.setUint16(28, bpp, true);
  v.setUint32(46, colours, true);
  palette.forEach(([r, g, b], k) => buf.set([b, g, r, 0], 54 + k * 4));
  const expected: [number, number, number][] = [];
  for (let y = 0; y < H; y++) {
    const row = offset + (topDown ? y : H - 1 - y) * rowBytes;
    for (let x = 0; x < W; x++) {
      const i = y * W + x;
      const [r, g, b] = PIXELS[i] as [number, number, number];
      if (bpp >= 24) {
        buf.set([b, g, r], row + x * (bpp / 8));
        expected.push([r, g, b]);
      } else {
        const bit = x * bpp;
        buf[row + (bit >> 3)] = (buf[row + (bit >> 3)] as number) | (index(i) << (8 - bpp - (bit & 7)));
        expected.push(palette[index(i)] as [number, number, number]);
      }
    }
  }
  return { bytes: buf, expected };
}

describe('decodeBmp', () => {
  it.each([1, 4, 8, 24, 32] as const)('%i-bit, bottom-up and top-down', (bpp) => {
    for (const topDown of [false, true]) {
      const { bytes, expected } = encodeBmp(bpp, topDown);
      const d = decodeBmp(bytes);
      expect([d.width, d.height]).toEqual([W, H]);
      expect(Array.from(d.rgb)).toEqual(expected.flat());
    }
  });

  it('refuses RLE compression and out-of-range palette indices', () => {
    const rle = encodeBmp(8).bytes;
    new DataView(rle.buffer).setUint32(30, 1, true);
    expect(() => decodeBmp(rle)).toThrow(/compressed BMP/);
    const short = encodeBmp(8).bytes;
    new DataView(short.buffer).setUint32(46, 2, true); // claims 2 colours, pixels use up to 14
    expect(() => decodeBmp(short)).toThrow(/palette index/);
  });
});

describe('readRgb, readMask and writeGreyPng', () => {
  let dir: string;
  const raw = Uint8Array.from(PIXELS.flat());
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 's3-images-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('decodes PNG and TIFF losslessly and JPEG approximately, to RGB in [0, 1] for the engine', async () => {
    const img = () => sharp(Buffer.from(raw), { raw: { width: W, height: H, channels: 3 } });
    await writeFile(join(dir, 'a.png'), await img().png().toBuffer());
    await writeFile(join(dir, 'a.tif'), await img().tiff({ compression: 'lzw' }).toBuffer());
    await writeFile(join(dir, 'a.jpg'), await img().jpeg({ quality: 100, chromaSubsampling: '4:4:4' }).toBuffer());
    // An RGBA PNG loses its alpha channel rather than failing.
    await writeFile(join(dir, 'rgba.png'), await img().ensureAlpha(0.5).png().toBuffer());
    for (const name of ['a.png', 'a.tif', 'rgba.png']) expect(Array.from((await readRgb(join(dir, name))).rgb), name).toEqual(Array.from(raw));
    const jpeg = await readRgb(join(dir, 'a.jpg'));
    expect(Math.max(...jpeg.rgb.map((v, i) => Math.abs(v - (raw[i] as number))))).toBeLessThan(40);
    const unit = toUnitRgb(await readRgb(join(dir, 'a.png')));
    expect(unit[2]).toBeCloseTo(255 / 255, 6);
    expect(unit[4]).toBeCloseTo(62 / 255, 6);
  });

  it('writes a 0/255 PNG mask that reads back, and never replaces an existing file without overwrite', async () => {
    const path = join(dir, 'm.mask.png');
    const mask = Uint8Array.from({ length: W * H }, (_, i) => (i % 3 === 0 ? 255 : 0));
    await writeGreyPng(path, mask, W, H);
    const back = await readMask(path);
    expect(Array.from(back.mask)).toEqual(Array.from(mask, (v) => (v ? 1 : 0)));
    const meta = await sharp(await readFile(path)).metadata();
    expect([meta.width, meta.height, meta.channels]).toEqual([W, H, 1]);
    await expect(writeGreyPng(path, new Uint8Array(W * H), W, H)).rejects.toBeInstanceOf(FileExistsError);
    expect(Array.from((await readMask(path)).mask)).toEqual(Array.from(back.mask));
    await writeGreyPng(path, new Uint8Array(W * H), W, H, true);
    expect((await readMask(path)).mask.every((v) => v === 0)).toBe(true);
  });

  it('names the problem for a file that is not an image', async () => {
    await writeFile(join(dir, 'bad.jpg'), 'not a jpeg');
    await expect(readRgb(join(dir, 'bad.jpg'))).rejects.toThrow(/bad\.jpg: not a PNG, JPEG, TIFF or BMP image \(content: no known format\)/);
    await expect(readRgb(join(dir, 'missing.png'))).rejects.toThrow(/ENOENT/);
  });
});
