// Every file in ../shared/data/hostile gets the behaviour its README asks for, on the real code paths.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dataPath } from '../../helpers/data.js';
import { indexPaths, type SeriesIndex } from '../../../main/services/dicom/indexer.js';
import { decodeFrame } from '../../../main/services/dicom/pixels/decode.js';
import { readMaskFile } from '../../../main/services/masks/read.js';
import { importSeg } from '../../../main/services/masks/seg-import.js';
import { photoHeader, readRgb } from '../../../main/services/images/read.js';
import { PHOTO_WORKING_PIXELS } from '../../../main/services/budget.js';
import { photoProvider } from '../../../main/services/library/photos.js';
import { inlineDecoder } from '../../../main/services/library/decode-pool.js';

const hostile = (name: string): string => dataPath('hostile', name);
let ct: SeriesIndex;
let abdomen: SeriesIndex;
let tmp: string;

beforeAll(async () => {
  ct = (await indexPaths([dataPath('ct/dcmqi-ct3slice')])).series.find((s) => s.modality === 'CT')!;
  abdomen = (await indexPaths([dataPath('dicom/ct-abdomen-j2k-series')])).series[0]!;
  tmp = mkdtempSync(join(tmpdir(), 's3-hostile-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('SEG import: segment numbers outside the Segment Sequence', () => {
  it.each([2, 256, 300])('seg-refseg-%i.dcm is refused naming the file, the field and the number', async (n) => {
    const file = hostile(`seg-refseg-${n}.dcm`);
    await expect(readMaskFile(file, ct)).rejects.toThrow(
      new RegExp(`seg-refseg-${n}\\.dcm: cannot import SEG: frame 1: Referenced Segment Number \\(0062,000B\\) ${n} is not in the Segment Sequence \\(segments 1\\)`),
    );
  });

  it('the untouched liver SEG still imports with every liver pixel (the check refuses only the damaged files)', async () => {
    const vol = await importSeg(dataPath('ct/dcmqi-ct3slice/liver_seg.dcm'), ct);
    const pixels = vol.slices.reduce((n, s) => n + s.reduce((a, v) => a + (v === 1 ? 1 : 0), 0), 0);
    const others = vol.slices.reduce((n, s) => n + s.reduce((a, v) => a + (v > 1 ? 1 : 0), 0), 0);
    expect(pixels).toBeGreaterThan(100_000);
    expect(others).toBe(0);
  });
});

describe('NIfTI import: non-finite header values', () => {
  it('nifti-nan-srow.nii is refused with the field that holds the NaN, never "every voxel = one label"', async () => {
    await expect(readMaskFile(hostile('nifti-nan-srow.nii'), abdomen)).rejects.toThrow(/nifti-nan-srow\.nii: NIfTI srow_z\[1\]: is NaN/);
  });
});

describe('photographs', () => {
  it('float32.tif is refused with the reason (float samples), never read as an all-black photo', async () => {
    await expect(readRgb(hostile('float32.tif'))).rejects.toThrow(/float32\.tif: sample format: TIFF of float samples \(1 channel\)/);
    await expect(photoHeader(hostile('float32.tif'))).rejects.toThrow(/float32\.tif: sample format/);
  });

  it('svg-named.png is refused as not a PNG: the content decides, not the name', async () => {
    await expect(readRgb(hostile('svg-named.png'))).rejects.toThrow(/svg-named\.png: not a PNG, JPEG, TIFF or BMP image \(content: SVG/);
    await expect(readMaskFile(hostile('svg-named.png'), ct)).rejects.toThrow(/svg-named\.png: not a DICOM SEG, NIfTI-1 or PNG mask \(content: SVG/);
  });

  it('bomb-20000x20000-rgb.png is refused by the pixel limit from its header, in well under a second', async () => {
    const t = performance.now();
    await expect(readRgb(hostile('bomb-20000x20000-rgb.png'))).rejects.toThrow(/bomb-20000x20000-rgb\.png: image size: declares 20000×20000 \(400\.0 MP\), above the 150\.0 MP limit/);
    expect(performance.now() - t).toBeLessThan(1000);
  });

  it('real-45mp-8256x5504.jpg is downscaled while decoding to the working size, aspect kept', async () => {
    const img = await readRgb(hostile('real-45mp-8256x5504.jpg'), { maxPixels: PHOTO_WORKING_PIXELS });
    expect([img.sourceWidth, img.sourceHeight]).toEqual([8256, 5504]);
    expect(img.width * img.height).toBeLessThanOrEqual(PHOTO_WORKING_PIXELS);
    expect(img.width * img.height).toBeGreaterThan(PHOTO_WORKING_PIXELS * 0.99);
    expect(Math.abs(img.width / img.height - 8256 / 5504)).toBeLessThan(0.01);
    expect(img.rgb.length).toBe(img.width * img.height * 3);
  });

  it('the photo walk lists refused photos with their reason, skips dot-folders and survives a dangling link and a loop', async () => {
    const dir = join(tmp, 'photos');
    mkdirSync(join(dir, '.thumbnails'), { recursive: true });
    symlinkSync(dataPath('skin/isic2017/images/ISIC_0010459.jpg'), join(dir, 'a.jpg'));
    symlinkSync(dataPath('skin/isic2017/images/ISIC_0010459.jpg'), join(dir, '.thumbnails', 'hidden.jpg'));
    symlinkSync(hostile('svg-named.png'), join(dir, 'b.png'));
    symlinkSync(join(tmp, 'nowhere.jpg'), join(dir, 'dangling.jpg'));
    symlinkSync(dir, join(dir, 'loop'));
    const found = await photoProvider(inlineDecoder().decode).index([dir]);
    expect(found.photos.map((p) => p.label)).toEqual(['a.jpg']);
    expect(found.skipped).toEqual([{ path: join(dir, 'b.png'), reason: expect.stringMatching(/not a PNG.*SVG/) }]);
    const idx = await indexPaths([dir]);
    expect(idx.skipped.map((s) => s.path)).toEqual(expect.arrayContaining([join(dir, 'dangling.jpg'), join(dir, 'loop')]));
    expect(idx.skipped.find((s) => s.path === join(dir, 'loop'))?.reason).toMatch(/symlink loop/);
    expect(idx.skipped.find((s) => s.path === join(dir, 'dangling.jpg'))?.reason).toMatch(/no such file/);
  });
});

describe('DICOM', () => {
  it('jpeg16k.dcm (16384² JPEG in 3 MB) is refused by the decoded-pixel budget before decoding', async () => {
    const t = performance.now();
    await expect(decodeFrame(hostile('jpeg16k.dcm'))).rejects.toThrow(/jpeg16k\.dcm: cannot decode pixels .*Rows × Columns = 16384×16384 \(268\.4 MP\) is above the 67\.1 MP per-frame limit/);
    expect(performance.now() - t).toBeLessThan(2000);
  });
});
