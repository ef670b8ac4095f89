// The `export` command: converts real masks between DICOM SEG, NIfTI and PNG, refusing to clobber files.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dataPath } from '../../helpers/data.js';
import { run } from '../../../main/cli/commands/export.js';
import { indexPaths, type SeriesIndex } from '../../../main/services/dicom/indexer.js';
import { importSeg } from '../../../main/services/masks/seg-import.js';
import { readMaskFile } from '../../../main/services/masks/read.js';

let out: string;
let ct: SeriesIndex;
const CT_DIR = dataPath('ct/dcmqi-ct3slice');
const LIVER = dataPath('ct/dcmqi-ct3slice/liver_seg.dcm');

async function exportCmd(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let o = '';
  let e = '';
  const code = await run(args, { stdout: { write: (t: string) => (o += t) }, stderr: { write: (t: string) => (e += t) } });
  return { code, out: o, err: e };
}

beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), 's3-export-'));
  ct = (await indexPaths([CT_DIR])).series.find((s) => s.modality === 'CT')!;
});
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('s3-annotate export', () => {
  it('SEG → NIfTI → PNG → SEG keeps the liver mask identical', async () => {
    const liver = await importSeg(LIVER, ct);
    const nii = await exportCmd([LIVER, '--series', CT_DIR, '--format', 'nifti', '--out', join(out, 'nii')]);
    expect(nii.code, nii.err).toBe(0);
    const niiFile = nii.out.trim();
    const png = await exportCmd([niiFile, '--series', CT_DIR, '--format', 'png', '--out', join(out, 'png')]);
    expect(png.code, png.err).toBe(0);
    expect(readdirSync(join(out, 'png')).sort()).toEqual(['01.mask.png', '02.mask.png', '03.mask.png']);
    const seg = await exportCmd([join(out, 'png'), '--series', CT_DIR, '--format', 'seg', '--out', join(out, 'seg')]);
    expect(seg.code, seg.err).toBe(0);
    for (const file of [niiFile, join(out, 'png'), seg.out.trim()]) {
      const back = await readMaskFile(file, ct);
      back.slices.forEach((m, k) => expect(Buffer.compare(Buffer.from(m), Buffer.from(liver.slices[k]!)), `${file} slice ${k}`).toBe(0));
    }
  });

  it('refuses to overwrite without --overwrite, and explains bad usage', async () => {
    const args = [LIVER, '--series', CT_DIR, '--format', 'nifti', '--out', join(out, 'again')];
    expect((await exportCmd(args)).code).toBe(0);
    const second = await exportCmd(args);
    expect(second.code).toBe(1);
    expect(second.err).toMatch(/already exists/);
    expect((await exportCmd([...args, '--overwrite'])).code).toBe(0);
    expect((await exportCmd([LIVER, '--format', 'nifti'])).code).toBe(2);
  });
});
