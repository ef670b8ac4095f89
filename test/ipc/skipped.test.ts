// Opening a folder: an unreadable photograph is listed as skipped with its reason, never dropped without a word.
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { StudyLibrary } from '../../main/services/library/library';
import { createProvider } from '../../main/services/library/provider';
import { inlineDecoder } from '../../main/services/library/decode-pool';
import { dataPath } from '../helpers/data';

let dir = '';
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('study library: skipped files', () => {
  it('lists a photograph it cannot read, with the reason, beside the one it can', async () => {
    dir = await mkdtemp(join(tmpdir(), 's3-skipped-'));
    await copyFile(dataPath('skin/ph2/images/IMD002.bmp'), join(dir, 'IMD002.bmp'));
    await writeFile(join(dir, 'broken.jpg'), 'not a JPEG at all');
    const index = await new StudyLibrary(createProvider(inlineDecoder().decode)).open([dir]);
    expect(index.photos.map((p) => p.label)).toEqual(['IMD002.bmp']);
    const skipped = index.skipped.find((s) => s.path.endsWith('broken.jpg'));
    expect(skipped?.reason).toMatch(/not a PNG, JPEG, TIFF or BMP image/);
  });
});
