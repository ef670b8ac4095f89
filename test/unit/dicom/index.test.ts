// Indexing real folders: grouping, slice order along the normal, multi-frame, files without preamble, skip reasons.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { dataPath } from '../../helpers/data.js';
import { indexPaths, readInstanceHeader } from '../../../main/services/dicom/indexer.js';
import { decodeFrame, tryDecodeFrame } from '../../../main/services/dicom/pixels/decode.js';

describe('indexPaths', () => {
  it('LIDC: three patients, one series each, slices ordered by z (files are named by z)', async () => {
    const idx = await indexPaths([dataPath('ct/lidc')]);
    expect(idx.patients).toHaveLength(3);
    expect(idx.series.map((s) => s.slices.length).sort()).toEqual([11, 12, 16]);
    for (const s of idx.series) {
      const z = s.slices.map((sl) => sl.geometry.position![2]);
      const fromNames = s.slices.map((sl) => Number.parseFloat(sl.path.split('/').pop()!));
      expect(z).toEqual([...z].sort((a, b) => a - b));
      expect(fromNames).toEqual(z);
      expect(s.modality).toBe('CT');
    }
    expect(idx.skipped.map((k) => k.path.split('/').pop()).sort()).toEqual(['069.xml', 'ATTRIBUTION.txt']);
    expect(idx.skipped.every((k) => /not a DICOM file/.test(k.reason))).toBe(true);
  });

  it('a JPEG 2000 series is grouped and ordered along its normal; the NIfTI beside it is skipped', async () => {
    const idx = await indexPaths([dataPath('dicom/ct-abdomen-j2k-series')]);
    expect(idx.series).toHaveLength(1);
    const s = idx.series[0]!;
    expect(s.slices).toHaveLength(20);
    const z = s.slices.map((sl) => sl.geometry.position![2]);
    expect(z).toEqual([...z].sort((a, b) => a - b));
    expect(idx.skipped.map((k) => k.path.split('/').pop())).toEqual(['example_seg_dicom.nii.gz']);
  });

  it('reports progress per file and stops when cancelled', async () => {
    const seen: number[] = [];
    await indexPaths([dataPath('ct/lidc/LIDC-IDRI-0003')], { onProgress: (done, total) => seen.push(total - done) });
    expect(seen.at(-1)).toBe(0);
    expect(seen).toHaveLength(11);
    const controller = new AbortController();
    controller.abort(new Error('user closed the study'));
    await expect(indexPaths([dataPath('ct/lidc')], { signal: controller.signal })).rejects.toThrow(/user closed/);
  });

  it('multi-frame objects become one slice per frame with per-frame positions', async () => {
    const idx = await indexPaths([dataPath('dicom/pydicom-data/emri_small.dcm')]);
    const s = idx.series[0]!;
    expect(s.slices).toHaveLength(10);
    expect(new Set(s.slices.map((x) => x.frameIndex)).size).toBe(10);
  });

  it('reads files without the 128-byte preamble (raw implicit data set)', async () => {
    const meta = await readInstanceHeader(dataPath('dicom/pydicom-data/OT-PAL-8-face.dcm'));
    expect(meta.pixel.photometric).toBe('PALETTE COLOR');
    expect(meta.transferSyntax).toBe('1.2.840.10008.1.2');
  });

  it('reads a file whose File Meta starts at byte 0 (preamble and DICM stripped) like the original', async () => {
    const original = readFileSync(dataPath('dicom/pydicom/CT_small.dcm'));
    const stripped = original.subarray(132);
    const a = await decodeFrame(original, 0, 'original');
    const b = await decodeFrame(stripped, 0, 'stripped');
    expect(b.transferSyntax).toBe(a.transferSyntax);
    expect(Array.from(b.stored)).toEqual(Array.from(a.stored));
  });

  it('copes with a slice that has no Modality and lists every broken file with its reason', async () => {
    const idx = await indexPaths([dataPath('dicom')]);
    const reasons = new Map(idx.skipped.map((k) => [k.path.split('/').pop()!, k.reason]));
    expect(reasons.get('MR_truncated.dcm')).toMatch(/truncated/);
    expect(reasons.get('badVR.dcm')).toMatch(/Number of Frames.*1A/);
    expect(reasons.get('no_meta.dcm')).toMatch(/not a DICOM file/);
    expect(reasons.get('no-pixel-data.dcm')).toMatch(/no Pixel Data/);
    expect(idx.series.some((s) => s.instances.some((i) => i.path.endsWith('no-modality/0.dcm')) && s.modality === '')).toBe(true);
    // The rest of the folder still loads.
    expect(idx.series.length).toBeGreaterThan(10);
  });
});

describe('every file under data/dicom: indexing and decoding never crash', () => {
  const dirs = readdirSync(dataPath('dicom'));
  it('decodes every frame or fails with a DicomError naming the file', async () => {
    const failures: string[] = [];
    for (const d of dirs) {
      for (const f of readdirSync(dataPath('dicom', d))) {
        const path = dataPath('dicom', d, f);
        let frames = 1;
        try {
          frames = (await readInstanceHeader(path)).pixel.numberOfFrames;
        } catch (err) {
          expect((err as Error).name, path).toBe('DicomError');
          expect((err as Error).message).toContain(path);
        }
        for (let fr = 0; fr < frames; fr++) {
          try {
            await decodeFrame(path, fr);
          } catch (err) {
            expect((err as Error).name, path).toBe('DicomError');
            expect((err as Error).message).toContain(path);
            failures.push(`${f}: ${(err as Error).message.slice(path.length + 2)}`);
            break;
          }
        }
      }
    }
    const failed = failures.map((f) => f.split(':')[0]).sort();
    expect(failed).toEqual(['MR_truncated.dcm', 'badVR.dcm', 'example_seg_dicom.nii.gz', 'no-pixel-data.dcm', 'no_meta.dcm']);
  });

  it('tryDecodeFrame returns failures as values', async () => {
    const bad = await tryDecodeFrame(dataPath('dicom/pydicom/MR_truncated.dcm'));
    expect(bad).toEqual({ ok: false, error: { path: dataPath('dicom/pydicom/MR_truncated.dcm'), reason: expect.stringMatching(/truncated/) } });
    const good = await tryDecodeFrame(dataPath('dicom/pydicom/CT_small.dcm'));
    expect(good.ok && good.value.width).toBe(128);
  });

  it('the too-short JPEG 2000 file decodes, with the defect reported as a warning', async () => {
    const img = await decodeFrame(dataPath('dicom/pydicom-data/emri_small_jpeg_2k_lossless_too_short.dcm'), 9);
    expect(img.warnings.join(' ')).toMatch(/missing sequence delimiter/);
    expect(img.warnings.join(' ')).toMatch(/precision 16 differs from Bits Stored 12/);
    const ref = await decodeFrame(dataPath('dicom/pydicom-data/emri_small.dcm'), 9);
    expect(Array.from(img.stored)).toEqual(Array.from(ref.stored));
  });
});
