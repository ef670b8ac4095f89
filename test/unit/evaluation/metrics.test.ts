// Metrics as METHOD.md defines them, file matching by image id, and the eval folder comparison on real expert masks.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageId, overlap, summarise } from '../../../main/services/evaluation/metrics';
import { evaluateFolders } from '../../../main/cli/commands/eval';
import { readMask, writeGreyPng } from '../../../main/services/images/read';
import { dataPath } from '../../helpers/data';

const m = (...v: number[]) => Uint8Array.from(v);

describe('overlap', () => {
  it('matches hand-computed Dice, IoU, HM and XOR', () => {
    // A = {0,1}, G = {0,2}: |A∩G| = 1, |A∪G| = 3.
    const a = overlap(m(1, 1, 0, 0), m(1, 0, 1, 0));
    expect(a.dice).toBeCloseTo(0.5, 12);
    expect(a.iou).toBeCloseTo(1 / 3, 12);
    expect(a.hm).toBeCloseTo(2 / 3, 12);
    expect(a.xor).toBeCloseTo(1, 12);
    // A ⊂ G: |A| = 1, |G| = 2.
    const b = overlap(m(1, 0, 0, 0), m(1, 1, 0, 0));
    expect(b).toEqual({ dice: 2 / 3, iou: 0.5, hm: 0.5, xor: 0.5 });
    // Any nonzero value counts as foreground (255 masks).
    expect(overlap(m(255, 0, 7), m(1, 1, 0)).dice).toBeCloseTo(0.5, 12);
  });

  it('handles empty masks and rejects size mismatches', () => {
    expect(overlap(m(0, 0), m(0, 0))).toEqual({ dice: 1, iou: 1, hm: 0, xor: 0 });
    expect(overlap(m(1, 0), m(0, 0)).xor).toBe(Infinity);
    expect(overlap(m(0, 0), m(1, 0))).toEqual({ dice: 0, iou: 0, hm: 1, xor: 1 });
    expect(() => overlap(m(1), m(1, 0))).toThrow(RangeError);
  });

  it('summarises mean, median and minimum', () => {
    const s = summarise([overlap(m(1, 1, 0, 0), m(1, 0, 1, 0)), overlap(m(1, 0), m(1, 0)), overlap(m(1, 0, 0, 0), m(1, 1, 0, 0))]);
    expect(s.mean.dice).toBeCloseTo((0.5 + 1 + 2 / 3) / 3, 12);
    expect(s.median.dice).toBeCloseTo(2 / 3, 12);
    expect(s.min.dice).toBeCloseTo(0.5, 12);
  });
});

describe('imageId', () => {
  it.each([
    ['IMD002.mask.png', 'IMD002_lesion.bmp'],
    ['ISIC_0000000.mask.png', 'ISIC_0000000_segmentation.png'],
    ['acrin001_1-071.mask.png', 'acrin001_1-071.png'],
    ['/some/dir/IMD002.labels.png', 'IMD002.bmp'],
  ])('%s ↔ %s', (pred, truth) => {
    expect(imageId(pred)).toBe(imageId(truth));
  });
  it('keeps ids that only look like suffixes apart', () => {
    expect(imageId('ISIC_0000001_segmentation.png')).not.toBe(imageId('ISIC_0000000.mask.png'));
    expect(imageId('_mask.png')).toBe('_mask');
  });
});

describe('evaluateFolders on real PH2 expert masks', () => {
  let pred: string;
  beforeAll(async () => {
    pred = await mkdtemp(join(tmpdir(), 's3-eval-'));
    // Another image's expert mask of the same size stands in for a prediction; its label map must be ignored.
    for (const [from, as] of [['IMD004', 'IMD003'], ['IMD013', 'IMD010'], ['IMD058', 'IMD063']] as const) {
      const src = await readMask(dataPath('skin/ph2/masks', `${from}_lesion.bmp`));
      await writeGreyPng(join(pred, `${as}.mask.png`), src.mask.map((v) => v * 255), src.width, src.height);
      await writeGreyPng(join(pred, `${as}.labels.png`), new Uint8Array(src.width * src.height), src.width, src.height);
    }
  });
  afterAll(() => rm(pred, { recursive: true, force: true }));

  it('gives the numbers computed independently with numpy', async () => {
    const { rows, missing } = await evaluateFolders(pred, dataPath('skin/ph2/masks'));
    expect(rows.map((r) => r.id)).toEqual(['IMD003', 'IMD010', 'IMD063']);
    expect(missing).toHaveLength(12);
    // |A|, |G|, |A∩G| counted by a separate numpy BMP reader: 85382/49876/43168, 88626/48061/7437, 283835/213510/196336.
    const expected = [
      { dice: 0.6383060521373967, iou: 0.46875882289065046, hm: 0.5312411771093496, xor: 0.9808725639586173 },
      { dice: 0.10881795635283531, iou: 0.05753965183752418, hm: 0.9424603481624758, xor: 2.534549842907971 },
      { dice: 0.7895364384883733, iou: 0.6522595669896913, hm: 0.34774043301030866, xor: 0.4902487002950682 },
    ];
    rows.forEach((r, i) => {
      const e = expected[i] as (typeof expected)[number];
      for (const k of ['dice', 'iou', 'hm', 'xor'] as const) expect(r[k]).toBeCloseTo(e[k], 10);
    });
  });
});
