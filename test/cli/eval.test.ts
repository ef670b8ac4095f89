// `s3-annotate eval` on hand-made masks with known numbers, its table and JSON, mismatches; --help for every command.
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../main/cli/index';
import { writeGreyPng } from '../../main/services/images/read';

function capture() {
  let out = '', err = '';
  return { io: { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) } }, out: () => out, err: () => err };
}

/** A 4×4 0/255 mask from the listed foreground pixels. */
const mask4 = (...on: number[]) => Uint8Array.from({ length: 16 }, (_, i) => (on.includes(i) ? 255 : 0));

describe('s3-annotate eval', () => {
  let dir: string, pred: string, truth: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 's3-evalcli-'));
    pred = join(dir, 'pred');
    truth = join(dir, 'truth');
    await mkdir(truth, { recursive: true });
    // case1: A = top-left 2×2 (4 px), G = top two rows (8 px): |A∩G| = 4, |A∪G| = 8.
    await writeGreyPng(join(pred, 'ISIC_0000001.mask.png'), mask4(0, 1, 4, 5), 4, 4);
    await writeGreyPng(join(truth, 'ISIC_0000001_segmentation.png'), mask4(0, 1, 2, 3, 4, 5, 6, 7), 4, 4);
    // case2: A and G single, disjoint pixels: |A∩G| = 0, |A∪G| = 2, |G| = 1.
    await writeGreyPng(join(pred, 'acrin001_1-071.mask.png'), mask4(0), 4, 4);
    await writeGreyPng(join(truth, 'acrin001_1-071.png'), mask4(15), 4, 4);
    // The label map beside a mask and a prediction without ground truth are ignored; a truth without prediction is listed.
    await writeGreyPng(join(pred, 'acrin001_1-071.labels.png'), mask4(0, 1, 2), 4, 4);
    await writeGreyPng(join(pred, 'IMD999.mask.png'), mask4(3), 4, 4);
    await writeGreyPng(join(truth, 'IMD002_lesion.png'), mask4(3), 4, 4);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('gives the hand-computed numbers per image and their mean as JSON', async () => {
    const c = capture();
    expect(await main(['eval', '--pred', pred, '--truth', truth, '--json'], c.io)).toBe(0);
    const r = JSON.parse(c.out()) as { images: { id: string; dice: number; iou: number; hm: number; xor: number }[]; mean: Record<string, number>; count: number; missing: string[] };
    expect(r.count).toBe(2);
    expect(r.missing).toEqual(['IMD002']);
    const byId = Object.fromEntries(r.images.map((i) => [i.id, i]));
    expect(byId['ISIC_0000001']).toMatchObject({ dice: 8 / 12, iou: 0.5, hm: 0.5, xor: 0.5 });
    expect(byId['acrin001_1-071']).toMatchObject({ dice: 0, iou: 0, hm: 1, xor: 2 });
    expect(r.mean.dice).toBeCloseTo(1 / 3, 12);
    expect(r.mean.iou).toBeCloseTo(0.25, 12);
    expect(r.mean.hm).toBeCloseTo(0.75, 12);
    expect(r.mean.xor).toBeCloseTo(1.25, 12);
  });

  it('--protocol gt-assisted scores the reference\'s GT-chosen cluster from the label maps, for comparison', async () => {
    // acrin001_1-071's label map (0/255 written as grey) has cluster 255 on pixels 0–2; its truth is pixel 15 only,
    // where the label is 0: the reference never picks label 0, so nothing is chosen (Dice 0).
    const c = capture();
    expect(await main(['eval', '--pred', pred, '--truth', truth, '--protocol', 'gt-assisted', '--json'], c.io)).toBe(0);
    const r = JSON.parse(c.out()) as { protocol: string; images: { id: string; dice: number }[]; missing: string[] };
    expect(r.protocol).toBe('gt-assisted');
    expect(r.images.map((i) => [i.id, i.dice])).toEqual([['acrin001_1-071', 0]]);
    expect(r.missing).toEqual(['IMD002', 'ISIC_0000001']);
    const t = capture();
    expect(await main(['eval', '--pred', pred, '--truth', truth, '--protocol', 'gt-assisted'], t.io)).toBe(0);
    expect(t.out()).toMatch(/for comparison only/);
    expect(await main(['eval', '--pred', pred, '--truth', truth, '--protocol', 'oracle'], capture().io)).toBe(2);
  });

  it('prints a table with a row per image and the mean', async () => {
    const c = capture();
    expect(await main(['eval', '--pred', pred, '--truth', truth], c.io)).toBe(0);
    const lines = c.out().trim().split('\n');
    expect(lines[0]).toMatch(/image\s+Dice\s+IoU\s+HM\s+XOR/);
    expect(lines).toContainEqual(expect.stringMatching(/^ISIC_0000001\s+0\.6667\s+0\.5000\s+0\.5000\s+0\.5000$/));
    expect(lines).toContainEqual(expect.stringMatching(/^acrin001_1-071\s+0\.0000\s+0\.0000\s+1\.0000\s+2\.0000$/));
    expect(lines).toContainEqual(expect.stringMatching(/^mean\s+0\.3333\s+0\.2500\s+0\.7500\s+1\.2500$/));
    expect(c.err()).toMatch(/no prediction for 1 ground-truth mask.*IMD002/);
  });

  it('fails clearly on a size mismatch, a missing folder and missing flags', async () => {
    const other = join(dir, 'other');
    await writeGreyPng(join(other, 'ISIC_0000001.mask.png'), new Uint8Array(9), 3, 3);
    const c = capture();
    expect(await main(['eval', '--pred', other, '--truth', truth], c.io)).toBe(1);
    expect(c.err()).toMatch(/ISIC_0000001\.mask\.png: 3×3 but the ground truth is 4×4/);
    const d = capture();
    expect(await main(['eval', '--pred', join(dir, 'nope'), '--truth', truth], d.io)).toBe(1);
    expect(d.err()).toMatch(/nope/);
    const e = capture();
    expect(await main(['eval', '--pred', pred], e.io)).toBe(2);
    expect(e.err()).toMatch(/--pred and --truth are required/);
  });
});

describe('--help', () => {
  it.each([
    [['--help'], /usage: s3-annotate <command>/],
    [['segment', '--help'], /--backend auto\|webgpu\|tensorflow\|wasm\|cpu[\s\S]*--target auto\|lesion\|lung[\s\S]*--overwrite/],
    [['eval', '--help'], /usage: s3-annotate eval --pred DIR --truth DIR/],
    [['info', '--help'], /usage: s3-annotate info/],
    [['export', '--help'], /usage: s3-annotate export/],
  ])('%j prints usage on stdout and exits 0', async (argv, pattern) => {
    const c = capture();
    expect(await main(argv, c.io)).toBe(0);
    expect(c.out()).toMatch(pattern);
  });
});
