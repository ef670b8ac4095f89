// The CLI as other tools call it: segment a real PH2 photograph, check the mask against the expert's, bad inputs.
import { describe, expect, it } from 'vitest';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../main/cli/index';
import { readMask } from '../../main/services/images/read';
import { overlap } from '../../main/services/evaluation/metrics';
import { dataPath } from '../helpers/data';
import sharp from 'sharp';

function capture() {
  let out = '', err = '';
  return { io: { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) } }, out: () => out, err: () => err };
}

describe('s3-annotate segment', () => {
  it('segments PH2 IMD002 (faithful mode, wasm) into a mask that matches the expert lesion, and reports a broken file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 's3a-seg-'));
    const broken = join(dir, 'broken.png');
    await writeFile(broken, 'this is not a PNG');
    const out = join(dir, 'out');
    const c = capture();
    const code = await main(['segment', dataPath('skin/ph2/images/IMD002.bmp'), broken, '--out', out, '--json', '--backend', 'wasm', '--mode', 'faithful'], c.io);
    expect(code).toBe(1); // one input failed …
    expect(c.err()).toMatch(/s3-annotate: [^ :]+\/broken\.png: not a PNG, JPEG, TIFF or BMP image \(content: no known format\)\n/);
    const line = JSON.parse(c.out().trim()) as Record<string, unknown>; // … the other was processed
    expect(line).toMatchObject({ backend: 'wasm', mode: 'faithful', width: 765, height: 572 });
    for (const key of ['input', 'iterations', 'seconds', 'clusters', 'targetCluster', 'mask']) expect(line).toHaveProperty(key);
    expect(line.iterations as number).toBeGreaterThanOrEqual(6);

    const pred = await readMask(join(out, 'IMD002.mask.png'));
    const truth = await readMask(dataPath('skin/ph2/masks/IMD002_lesion.bmp'));
    expect([pred.width, pred.height]).toEqual([truth.width, truth.height]);
    const { dice } = overlap(pred.mask, truth.mask);
    expect(dice).toBeGreaterThan(0.85);
    expect(existsSync(join(out, 'IMD002.labels.png'))).toBe(true);
    // The label map keeps every cluster at the input's size (for a later click), the chosen one among them.
    const meta = await sharp(join(out, 'IMD002.labels.png')).metadata();
    expect([meta.width, meta.height, meta.channels]).toEqual([765, 572, 1]);
    const labels = await sharp(join(out, 'IMD002.labels.png')).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
    const ids = new Set(labels.data);
    expect(ids.size).toBe(line.clusters);
    expect(ids.has(line.targetCluster as number)).toBe(true);
    // The mask is 0/255 single-channel PNG.
    expect((await sharp(join(out, 'IMD002.mask.png')).metadata()).channels).toBe(1);
    const maskPng = await sharp(join(out, 'IMD002.mask.png')).toColourspace('b-w').raw().toBuffer();
    expect(new Set(maskPng)).toEqual(new Set([0, 255]));

    // A second run never replaces the masks silently, and says so before training.
    const again = capture();
    const started = performance.now();
    expect(await main(['segment', dataPath('skin/ph2/images/IMD002.bmp'), '--out', out], again.io)).toBe(1);
    expect(again.err()).toMatch(/IMD002\.mask\.png already exists \(pass --overwrite/);
    expect(performance.now() - started).toBeLessThan(10_000);
  }, 600_000);

  it('--warm-start chains a CT series: the second slice starts from the first one\'s weights', async () => {
    const out = await mkdtemp(join(tmpdir(), 's3a-warm-'));
    const c = capture();
    const args = ['segment', 'assets/samples/LIDC-IDRI-0001', '--out', out, '--json', '--mode', 'default', '--size', '64', '--max-iter', '4', '--warm-start'];
    expect(await main(args, c.io)).toBe(0);
    const lines = c.out().trim().split('\n').map((l) => JSON.parse(l) as { warmStarted: boolean; iterations: number; mode: string });
    expect(lines.map((l) => l.warmStarted)).toEqual([false, true]);
    expect(lines.every((l) => l.mode === 'default')).toBe(true);
    // The warm slice may stop after one iteration (--warm-min-iter 1) where the cold one needs its 4.
    expect(lines[0]?.iterations).toBe(4);
    expect(lines[1]?.iterations).toBeLessThanOrEqual(4);
    expect(await main([...args.slice(0, -1), '--warm-min-iter', '-1'], capture().io)).toBe(2);
  }, 300_000);

  it('rejects bad flags with usage and exit status 2', async () => {
    const c = capture();
    expect(await main(['segment', 'x.png'], c.io)).toBe(2);
    expect(c.err()).toMatch(/--out DIR is required/);
    const d = capture();
    expect(await main(['segment', 'x.png', '--out', '/tmp/x', '--mode', 'fast'], d.io)).toBe(2);
    expect(d.err()).toMatch(/mode must be one of/);
    expect(await main(['frobnicate'], capture().io)).toBe(2);
  });
});
