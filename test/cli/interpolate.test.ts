// `s3-annotate interpolate` as a user runs it: expert lung masks on every 2nd slice in, the slices between out.
import { describe, expect, it } from 'vitest';
import { copyFile, mkdir, mkdtemp, readdir, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import sharp from 'sharp';
import { main } from '../../main/cli/index';
import { readMask } from '../../main/services/images/read';
import { overlap } from '../../main/services/evaluation/metrics';
import { dataPath } from '../helpers/data';

function capture() {
  let out = '', err = '';
  return { io: { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) } }, out: () => out, err: () => err };
}

const IMAGES = dataPath('ct/lung-masks/images');
const MASKS = dataPath('ct/lung-masks/masks');

describe('s3-annotate interpolate', () => {
  it('fills the held-out slices of the lung-mask series from every 2nd expert mask, and never replaces its outputs', async () => {
    const dir = await mkdtemp(join(tmpdir(), 's3a-interp-'));
    const drawn = join(dir, 'drawn');
    await mkdir(drawn);
    // Slice order runs 104 → 071 (by position); the drawn ones are 104, 095, 085, 076 and 071.
    const names = ['acrin001_1-104', 'acrin001_1-095', 'acrin001_1-085', 'acrin001_1-076', 'acrin001_1-071'];
    for (const n of names) await copyFile(join(MASKS, `${n}.png`), join(drawn, `${n}.png`));
    await writeFile(join(drawn, 'acrin001_1-999.png'), await sharp({ create: { width: 4, height: 4, channels: 3, background: { r: 0, g: 0, b: 0 } } }).png().toBuffer());
    const out = join(dir, 'out');
    const c = capture();
    expect(await main(['interpolate', IMAGES, '--masks', drawn, '--out', out, '--json'], c.io)).toBe(0);
    const lines = c.out().trim().split('\n').map((l) => JSON.parse(l) as { input: string; mask: string; status: string; confidence: number; from?: string[] });
    expect(lines).toHaveLength(8);
    expect(lines.filter((l) => l.status === 'annotated').map((l) => basename(l.input, '.dcm'))).toEqual(names);
    const filled = lines.filter((l) => l.status === 'interpolated');
    expect(filled.map((l) => basename(l.input, '.dcm'))).toEqual(['acrin001_1-099', 'acrin001_1-090', 'acrin001_1-080']);
    for (const l of filled) {
      expect(l.from).toHaveLength(2);
      expect(l.confidence).toBeGreaterThan(0);
      expect(l.confidence).toBeLessThan(1);
    }
    expect(c.err()).toMatch(/acrin001_1-999\.png: matches no slice/);
    // Drawn masks come back unchanged; the filled ones are close to the expert's held-out masks.
    for (const n of names) expect((await readMask(join(out, `${n}.mask.png`))).mask).toEqual((await readMask(join(MASKS, `${n}.png`))).mask);
    const dice = await Promise.all(filled.map(async (l) => overlap((await readMask(l.mask)).mask, (await readMask(join(MASKS, `${basename(l.input, '.dcm')}.png`))).mask).dice));
    // Measured 0.62 (the upper lobes, 21 mm away from either drawn slice), 0.93, 0.92.
    expect(Math.min(...dice)).toBeGreaterThan(0.55);
    expect(dice.filter((d) => d > 0.9)).toHaveLength(2);
    expect((await readdir(out)).sort()).toHaveLength(8);

    const again = capture();
    expect(await main(['interpolate', IMAGES, '--masks', drawn, '--out', out], again.io)).toBe(1);
    expect(again.err()).toMatch(/\.mask\.png already exists \(pass --overwrite/);
  }, 300_000);

  it('names the file and the reason for a mask of the wrong size, too few masks, and a folder of two series', async () => {
    const dir = await mkdtemp(join(tmpdir(), 's3a-interp-bad-'));
    const drawn = join(dir, 'drawn');
    await mkdir(drawn);
    await copyFile(join(MASKS, 'acrin001_1-104.png'), join(drawn, 'acrin001_1-104.png'));
    const one = capture();
    expect(await main(['interpolate', IMAGES, '--masks', drawn, '--out', join(dir, 'out')], one.io)).toBe(1);
    expect(one.err()).toMatch(/needs masks on at least two slices, found 1/);
    await writeFile(join(drawn, 'acrin001_1-090.png'), await sharp({ create: { width: 256, height: 256, channels: 3, background: { r: 255, g: 255, b: 255 } } }).png().toBuffer());
    const size = capture();
    expect(await main(['interpolate', IMAGES, '--masks', drawn, '--out', join(dir, 'out')], size.io)).toBe(1);
    expect(size.err()).toMatch(/acrin001_1-090\.png: mask is 256×256, its slice .*acrin001_1-090\.dcm is 512×512/);
    const two = join(dir, 'two');
    await mkdir(two);
    await symlink(dataPath('ct/lidc/LIDC-IDRI-0001'), join(two, 'a'));
    await symlink(dataPath('ct/lidc/LIDC-IDRI-0002'), join(two, 'b'));
    const several = capture();
    expect(await main(['interpolate', two, '--masks', drawn, '--out', join(dir, 'out')], several.io)).toBe(1);
    expect(several.err()).toMatch(/holds 2 image series, give one series folder/);
    expect(existsSync(join(dir, 'out'))).toBe(false);
    const usage = capture();
    expect(await main(['interpolate', IMAGES, '--out', join(dir, 'out')], usage.io)).toBe(2);
    expect(usage.err()).toMatch(/--masks DIR is required/);
  }, 300_000);
});
