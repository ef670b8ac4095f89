// How segment expands its paths (photos, DICOM, masks skipped), reports missing and broken inputs, and names its backend.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expandInputs } from '../../main/cli/inputs';
import { main } from '../../main/cli/index';

function capture() {
  let out = '', err = '';
  return { io: { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) } }, out: () => out, err: () => err };
}

describe('expandInputs', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 's3-inputs-'));
    await mkdir(join(dir, 'study', 'series'), { recursive: true });
    for (const name of ['IMD002.bmp', 'b.JPG', 'c.tiff', 'IMD002_lesion.bmp', 'ISIC_1_segmentation.png', 'x.mask.png', 'x.labels.png', '.hidden.png', 'notes.txt']) {
      await writeFile(join(dir, name), '');
    }
    await writeFile(join(dir, 'study', 'series', 'IM0001'), '');
    await writeFile(join(dir, 'study', 'slice.dcm'), '');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('takes photos and DICOM from folders, recursively, in name order, and skips masks, hidden and other files', async () => {
    const r = await expandInputs([dir]);
    expect(r.photos.map((p) => p.slice(dir.length + 1))).toEqual(['IMD002.bmp', 'b.JPG', 'c.tiff']);
    expect(r.dicom.map((p) => p.slice(dir.length + 1)).sort()).toEqual(['study/series/IM0001', 'study/slice.dcm']);
    expect(r.errors).toEqual([]);
  });

  it('always takes a file named explicitly, and reports a missing path', async () => {
    const r = await expandInputs([join(dir, 'IMD002_lesion.bmp'), join(dir, 'missing.png')]);
    expect(r.photos).toEqual([join(dir, 'IMD002_lesion.bmp')]);
    expect(r.errors).toEqual([{ path: join(dir, 'missing.png'), reason: 'no such file or folder' }]);
  });
});

describe('segment without anything it can train on', () => {
  it('names each bad input, exits 1, and with --verbose says which backend it would use and why others are unavailable', async () => {
    const dir = await mkdtemp(join(tmpdir(), 's3-bad-'));
    try {
      await writeFile(join(dir, 'empty.jpg'), '');
      const c = capture();
      const code = await main(['segment', join(dir, 'empty.jpg'), join(dir, 'gone.bmp'), '--out', join(dir, 'out'), '--backend', 'cpu', '--verbose'], c.io);
      expect(code).toBe(1);
      expect(c.err()).toMatch(/TF\.js backend cpu \(requested; auto would pick (wasm|tensorflow)\)/);
      expect(c.err()).toContain(`${join(dir, 'gone.bmp')}: no such file or folder`);
      expect(c.err()).toMatch(/s3-annotate: [^ :]+\/empty\.jpg: not a PNG, JPEG, TIFF or BMP image \(content: no known format\)\n/);
      expect(c.out()).toBe('');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
