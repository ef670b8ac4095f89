// Pixel decoding on real files: the 13 transfer syntaxes of one CT slice, colour, palette, multi-frame, MONOCHROME1.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireTool } from '../../helpers/tools.js';
import { dataPath } from '../../helpers/data.js';
import { decodeFrame } from '../../../main/services/dicom/pixels/decode.js';
import { applyWindow, WINDOW_PRESETS } from '../../../main/services/dicom/window.js';

const TS_DIR = dataPath('dicom/transfer-syntaxes');
const files = readdirSync(TS_DIR).sort();
const syntaxOf = (f: string): string => /_(1\.2\.840\.10008[0-9.]*?)\.dcm$/.exec(f)?.[1] ?? '1.2.840.10008.1.2';
const LOSSLESS = ['1.2.840.10008.1.2', '1.2.840.10008.1.2.1', '1.2.840.10008.1.2.2', '1.2.840.10008.1.2.1.99', '1.2.840.10008.1.2.4.57', '1.2.840.10008.1.2.4.70', '1.2.840.10008.1.2.4.80', '1.2.840.10008.1.2.4.90', '1.2.840.10008.1.2.5'];
/** Lossy tolerances in HU, over the body (padding excluded): mean and 99.9th-percentile absolute error. */
const LOSSY: Record<string, { mean: number; p999: number }> = {
  '1.2.840.10008.1.2.4.50': { mean: 20, p999: 70 }, // 8-bit JPEG of a 12-bit CT: slope 32 HU per step
  '1.2.840.10008.1.2.4.51': { mean: 5, p999: 40 },
  '1.2.840.10008.1.2.4.81': { mean: 1, p999: 2 }, // JPEG-LS near-lossless NEAR=1 stored value
  '1.2.840.10008.1.2.4.91': { mean: 1, p999: 6 },
};

/** Deep equality of 262k-element arrays is slow in expect(); count mismatches instead. */
function countDiffs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.max(a.length, b.length);
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++;
  return n;
}

describe('transfer syntaxes: one CT slice in 13 encodings', () => {
  it('has all 13 files', () => expect(files).toHaveLength(13));

  it('lossless encodings decode to identical stored pixels and HU; lossy ones within tolerance', async () => {
    const ref = await decodeFrame(`${TS_DIR}/CTImage.dcm`);
    expect(ref.width).toBe(512);
    expect(ref.modality![0]).toBe(ref.stored[0]! * ref.rescale.slope + ref.rescale.intercept);
    for (const f of files) {
      const ts = syntaxOf(f);
      const img = await decodeFrame(`${TS_DIR}/${f}`);
      expect(img.transferSyntax, f).toBe(ts);
      expect([img.width, img.height], f).toEqual([512, 512]);
      if (LOSSLESS.includes(ts)) {
        expect(countDiffs(img.stored, ref.stored), f).toBe(0);
        expect(countDiffs(img.modality!, ref.modality!), f).toBe(0);
        continue;
      }
      const tol = LOSSY[ts];
      expect(tol, f).toBeDefined();
      const errs: number[] = [];
      for (let i = 0; i < ref.modality!.length; i++) if (ref.stored[i]! > -2000) errs.push(Math.abs(img.modality![i]! - ref.modality![i]!));
      errs.sort((a, b) => a - b);
      const mean = errs.reduce((a, b) => a + b, 0) / errs.length;
      expect(mean, f).toBeLessThan(tol!.mean);
      expect(errs[Math.floor(errs.length * 0.999)], f).toBeLessThan(tol!.p999);
    }
  });

  it('rescales to Hounsfield units: air, soft tissue and padding are where CT puts them', async () => {
    const img = await decodeFrame(`${TS_DIR}/CTImage.dcm`);
    expect(img.rescale).toEqual({ slope: 1, intercept: -1024 });
    const hu = img.modality!;
    const corner = hu[5 * 512 + 5]!; // outside the scan circle: padding (-32768 stored → below -3000 HU)
    expect(corner).toBeLessThan(-2000);
    const centre = hu[256 * 512 + 256]!;
    expect(centre).toBeGreaterThan(-200);
    expect(centre).toBeLessThan(200);
    expect(img.window).toEqual({ center: 40, width: 400 });
  });
});

describe('other pixel formats', () => {
  it('LIDC chest CT: signed 16-bit, lung air near −1000 HU', async () => {
    const img = await decodeFrame(dataPath('ct/lidc/LIDC-IDRI-0001/-100.000000.dcm'));
    const hu = img.modality!;
    const sorted = Float32Array.from(hu).sort();
    expect(sorted[Math.floor(hu.length * 0.5)]).toBeLessThan(0);
    expect(sorted[hu.length - 1]).toBeGreaterThan(300); // bone
    const lungish = [...hu].filter((v) => v > -1000 && v < -700).length;
    expect(lungish).toBeGreaterThan(10_000);
  });

  it('MR in implicit, big-endian, RLE, JPEG 2000 and JPEG-LS decode identically', async () => {
    const names = ['MR_small_implicit.dcm', 'MR_small_bigendian.dcm', 'MR_small_RLE.dcm', 'MR_small_jp2klossless.dcm', 'MR_small_jpeg_ls_lossless.dcm'];
    const imgs = await Promise.all(names.map((n) => decodeFrame(dataPath('dicom/pydicom', n))));
    for (const img of imgs) expect(countDiffs(img.stored, imgs[0]!.stored)).toBe(0);
  });

  it('12-bit JPEG extended: our decoder is within ±1 of libjpeg (via GDCM) on every pixel', async () => {
    const gdcmconv = requireTool('gdcmconv', 'libgdcm-tools');
    const dir = mkdtempSync(join(tmpdir(), 's3-jpeg12-'));
    try {
      for (const src of [dataPath('dicom/pydicom/JPGExtended.dcm'), `${TS_DIR}/CTImage.dcm_JPEGProcess2_4TransferSyntax_1.2.840.10008.1.2.4.51.dcm`]) {
        const raw = join(dir, 'raw.dcm');
        execFileSync(gdcmconv, ['--raw', src, raw], { stdio: 'pipe' });
        const ours = await decodeFrame(src);
        const ref = await decodeFrame(raw);
        expect(ours.stored).toBeInstanceOf(Uint16Array);
        let max = 0;
        for (let i = 0; i < ref.stored.length; i++) max = Math.max(max, Math.abs(ours.stored[i]! - ref.stored[i]!));
        expect(max, src).toBeLessThanOrEqual(1); // float IDCT vs libjpeg's integer IDCT rounding
        rmSync(raw);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('multi-frame: enhanced MR uncompressed and RLE give the same frames; per-frame access', async () => {
    for (const f of [0, 4, 9]) {
      const a = await decodeFrame(dataPath('dicom/pydicom-data/emri_small.dcm'), f);
      const b = await decodeFrame(dataPath('dicom/pydicom-data/emri_small_RLE.dcm'), f);
      expect(countDiffs(b.stored, a.stored)).toBe(0);
    }
    await expect(decodeFrame(dataPath('dicom/pydicom-data/emri_small.dcm'), 10)).rejects.toThrow(/frame 11 requested/);
  });

  it('multi-frame encapsulated: JPEG without offset table and RLE with one', async () => {
    const jpeg = await decodeFrame(dataPath('dicom/multiframe-encapsulated/CT0012.fragmented_no_bot_jpeg_baseline.51.dcm'), 1);
    const rle = await decodeFrame(dataPath('dicom/multiframe-encapsulated/CT0012.not_fragmented_bot_rle.dcm'), 1);
    expect(jpeg.width).toBe(512);
    expect(rle.width).toBe(512);
  });

  it('RGB (JPEG, YBR) and palette colour give 8-bit RGB', async () => {
    const rgb = await decodeFrame(dataPath('dicom/pydicom/SC_rgb_jpeg_dcmtk.dcm'));
    expect(rgb.rgb).toHaveLength(100 * 100 * 3);
    // dcmtk's test image: top rows are pure red.
    expect(rgb.rgb![0]).toBeGreaterThan(200);
    expect(rgb.rgb![1]).toBeLessThan(50);
    const pal = await decodeFrame(dataPath('dicom/pydicom-data/OT-PAL-8-face.dcm'));
    expect(pal.photometric).toBe('PALETTE COLOR');
    expect(pal.rgb).toHaveLength(640 * 480 * 3);
    expect(new Set(pal.rgb).size).toBeGreaterThan(50);
  });

  it('MONOCHROME1 is inverted by the window so low values show white', async () => {
    const cr = await decodeFrame(dataPath('dicom/pydicom-data/RG3_J2KI.dcm'));
    expect(cr.invert).toBe(true);
    const shown = applyWindow([0, 1e6], { center: 500, width: 100 }, cr.invert);
    expect(Array.from(shown)).toEqual([255, 0]);
  });

  it('window presets', () => {
    expect(WINDOW_PRESETS.lung).toEqual({ width: 1500, center: -600 });
    expect(Array.from(applyWindow([-1400, -600, 200], WINDOW_PRESETS.lung))).toEqual([0, 128, 255]);
  });
});
