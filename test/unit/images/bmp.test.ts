// The BMP reader on PH2's real files (24-bit photographs, 1-bit and 24-bit masks) and on broken ones.
import { describe, expect, it } from 'vitest';
import { readFile, readdir } from 'node:fs/promises';
import { decodeBmp, ImageFormatError } from '../../../main/services/images/bmp';
import { readMask, readRgb } from '../../../main/services/images/read';
import { dataPath } from '../../helpers/data';

describe('decodeBmp on PH2', () => {
  it('reads every PH2 photograph and mask; masks are binary and cover part of the image', async () => {
    const masks = (await readdir(dataPath('skin/ph2/masks'))).filter((n) => n.endsWith('.bmp'));
    expect(masks.length).toBe(15);
    for (const name of masks) {
      const id = name.replace('_lesion.bmp', '');
      const photo = await readRgb(dataPath('skin/ph2/images', `${id}.bmp`));
      const { width, height, mask } = await readMask(dataPath('skin/ph2/masks', name));
      expect([width, height]).toEqual([photo.width, photo.height]);
      const fraction = mask.reduce((a, v) => a + v, 0) / mask.length;
      expect(fraction, name).toBeGreaterThan(0.01);
      expect(fraction, name).toBeLessThan(0.95);
      // The lesion is darker than the skin around it in every PH2 image.
      let inside = 0, outside = 0, nIn = 0;
      for (let i = 0; i < mask.length; i++) {
        const l = (photo.rgb[i * 3] as number) + (photo.rgb[i * 3 + 1] as number) + (photo.rgb[i * 3 + 2] as number);
        if (mask[i]) { inside += l; nIn++; } else outside += l;
      }
      expect(inside / nIn, name).toBeLessThan(outside / (mask.length - nIn));
    }
  });

  it('rejects a truncated file and a non-BMP with a clear error', async () => {
    const bytes = await readFile(dataPath('skin/ph2/images/IMD002.bmp'));
    expect(() => decodeBmp(bytes.subarray(0, 5000))).toThrow(ImageFormatError);
    expect(() => decodeBmp(bytes.subarray(0, 5000))).toThrow(/truncated/);
    expect(() => decodeBmp(new Uint8Array(100))).toThrow(/not a BMP/);
  });
});
