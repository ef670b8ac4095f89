// Mask import never crashes on damaged files: mutated DICOM SEG and NIfTI headers fail with an Error, in bounded time.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { dataPath } from '../../helpers/data.js';
import { indexPaths } from '../../../main/services/dicom/indexer.js';
import { importSeg } from '../../../main/services/masks/seg-import.js';
import { decodeNifti, niftiToSeriesMasks } from '../../../main/services/masks/nifti.js';
import { DicomError } from '../../../main/services/dicom/errors.js';

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function mutate(src: Uint8Array, r: () => number, headerBytes: number): Uint8Array {
  const b = new Uint8Array(src);
  const kind = Math.floor(r() * 3);
  if (kind === 0) return b.subarray(0, Math.floor(r() * b.length));
  const span = kind === 1 ? b.length : Math.min(headerBytes, b.length);
  for (let i = 0, n = 1 + Math.floor(r() * 8); i < n; i++) b[Math.floor(r() * span)] = Math.floor(r() * 256);
  return b;
}

describe('mask import fuzz', () => {
  it('1,000 mutated DICOM SEGs: imported or DicomError', async () => {
    const ct = (await indexPaths([dataPath('ct/dcmqi-ct3slice')])).series.find((s) => s.modality === 'CT')!;
    const seg = readFileSync(dataPath('ct/dcmqi-ct3slice/liver_seg.dcm'));
    const r = rng(7);
    let ok = 0;
    for (let c = 0; c < 1000; c++) {
      const t = performance.now();
      try {
        await importSeg(mutate(seg, r, 6000), ct, `seg case ${c}`);
        ok++;
      } catch (err) {
        expect(err, `seg case ${c}`).toBeInstanceOf(DicomError);
      }
      expect(performance.now() - t).toBeLessThan(2000);
    }
    expect(ok).toBeGreaterThan(50);
  }, 120_000);

  it('400 mutated NIfTI files: imported or a plain Error, never a crash', async () => {
    const series = (await indexPaths([dataPath('dicom/ct-abdomen-j2k-series')])).series[0]!;
    // Uncompressed, so mutations reach the header instead of just breaking gzip.
    const nii = gunzipSync(readFileSync(dataPath('dicom/ct-abdomen-j2k-series/example_seg_dicom.nii.gz')));
    const r = rng(11);
    let ok = 0;
    for (let c = 0; c < 400; c++) {
      try {
        const vol = decodeNifti(mutate(nii, r, 352));
        if (c % 40 === 0) niftiToSeriesMasks(vol, series);
        ok++;
      } catch (err) {
        expect(err, `nifti case ${c}`).toBeInstanceOf(Error);
      }
    }
    expect(ok).toBeGreaterThan(100);
  }, 120_000);
});
