// The robot user's pure parts on synthetic masks (hand-checked answers, brute force) and on real expert masks.
import { describe, expect, it } from 'vitest';
import { clicksToReach, dice, errorRegions, euclideanDistanceInside, nextClick, summariseRobot, type Click } from './clicks';
import { readMask } from '../../../main/services/images/read';
import { dataPath } from '../../helpers/data';
import { mulberry32 } from '../../../model/random';

/** Distance from each foreground pixel to the nearest background pixel, outside the image counting as background. */
function bruteForce(mask: Uint8Array, w: number, h: number): Float64Array {
  const out = new Float64Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (!mask[y * w + x]) continue;
      let best = Infinity;
      for (let yy = -1; yy <= h; yy++) {
        for (let xx = -1; xx <= w; xx++) {
          const outside = xx < 0 || yy < 0 || xx >= w || yy >= h;
          if (outside || !mask[yy * w + xx]) best = Math.min(best, (xx - x) ** 2 + (yy - y) ** 2);
        }
      }
      out[y * w + x] = Math.sqrt(best);
    }
  }
  return out;
}

function rect(w: number, h: number, x0: number, y0: number, x1: number, y1: number, into: Uint8Array = new Uint8Array(w * h)): Uint8Array {
  for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) into[y * w + x] = 1;
  return into;
}

/** The model's seeded generator, so the random masks are the same on every run. */
const random = mulberry32;

describe('exact Euclidean distance transform', () => {
  it('equals brute force on random blobs, with the image border as boundary', () => {
    const rnd = random(7);
    for (const [w, h, p] of [[23, 17, 0.7], [31, 9, 0.9], [1, 12, 0.8], [16, 16, 0.3]] as const) {
      const mask = Uint8Array.from({ length: w * h }, () => (rnd() < p ? 1 : 0));
      const d = euclideanDistanceInside(mask, w, h), b = bruteForce(mask, w, h);
      for (let i = 0; i < mask.length; i++) expect(d[i]).toBeCloseTo(b[i] as number, 5);
    }
  });

  it('measures a full image to its border and is 0 on background', () => {
    const d = euclideanDistanceInside(new Uint8Array(7 * 5).fill(1), 7, 5);
    expect(d[2 * 7 + 3]).toBe(3); // the centre is 3 px from the top, bottom and left/right padding
    expect(d[0]).toBe(1);
    expect(euclideanDistanceInside(new Uint8Array(4), 2, 2)).toEqual(new Float32Array(4));
    expect(() => euclideanDistanceInside(new Uint8Array(5), 2, 2)).toThrow(/expected 2×2/);
  });
});

describe('error regions and the next click', () => {
  const w = 60, h = 40;
  it('splits missed target from false mask and orders them by area', () => {
    const truth = rect(w, h, 10, 10, 29, 29); // 20×20
    const pred = rect(w, h, 10, 10, 29, 19); // top half found: bottom 20×10 missed
    rect(w, h, 40, 5, 49, 9, pred); // 10×5 false blob
    const regions = errorRegions(pred, truth, w, h);
    expect(regions.map((r) => [r.label, r.area])).toEqual([['include', 200], ['exclude', 50]]);
  });

  it('clicks the centre of the largest error: include for a miss, exclude for false mask', () => {
    const truth = rect(w, h, 10, 10, 30, 30); // 21×21, centre (20, 20)
    expect(nextClick(new Uint8Array(w * h), truth, w, h)).toEqual({ x: 20, y: 20, label: 'include' });
    const pred = Uint8Array.from(truth);
    rect(w, h, 36, 2, 58, 38, pred); // 23×37 false mask: depth 12 on its middle column, rows 13…27; first in raster order
    expect(nextClick(pred, truth, w, h)).toEqual({ x: 47, y: 13, label: 'exclude' });
    expect(nextClick(truth, truth, w, h)).toBeUndefined();
  });

  it('never clicks on the image border, which counts as boundary', () => {
    const truth = rect(w, h, 0, 0, 19, 39); // the left third, touching three borders
    const c = nextClick(new Uint8Array(w * h), truth, w, h) as Click;
    expect(c.label).toBe('include');
    // Depth 10 is reached on the column x = 9 or 10 (width 20), rows well inside.
    expect(c.x === 9 || c.x === 10).toBe(true);
    expect(c.y).toBeGreaterThanOrEqual(9);
    expect(c.y).toBeLessThanOrEqual(30);
  });

  it('rejects masks of the wrong size with their sizes', () => {
    expect(() => errorRegions(new Uint8Array(4), new Uint8Array(6), 2, 3)).toThrow(/4.*6.*2×3/);
  });
});

describe('on real expert masks (PH2 IMD002, ISIC_0012099)', () => {
  const cases = [dataPath('skin/ph2/masks/IMD002_lesion.bmp'), dataPath('skin/isic2017/masks/ISIC_0012099_segmentation.png')];

  it('an engine that fixes the region it is clicked in needs one click per error region', async () => {
    for (const path of cases) {
      const { width, height, mask: truth } = await readMask(path);
      // Predict the lesion shifted right by 6 % of the width: a crescent missed on the left, one false on the right.
      const shift = Math.round(0.06 * width);
      const pred = new Uint8Array(truth.length);
      for (let y = 0; y < height; y++) for (let x = shift; x < width; x++) pred[y * width + x] = truth[y * width + x - shift] as number;
      const regions = errorRegions(pred, truth, width, height);
      const largest = regions[0];
      expect(largest, path).toBeDefined();
      const click = nextClick(pred, truth, width, height) as Click;
      const at = click.y * width + click.x;
      // The click lies in the largest region, with its label, at its maximal depth (checked by brute force on the region).
      expect(largest?.pixels.includes(at), path).toBe(true);
      expect(click.label).toBe(largest?.label);
      expect(click.label === 'include' ? truth[at] && !pred[at] : pred[at] && !truth[at]).toBeTruthy();
      const region = new Uint8Array(truth.length);
      for (const p of largest?.pixels ?? []) region[p] = 1;
      const d = euclideanDistanceInside(region, width, height);
      let deepest = 0;
      for (const p of largest?.pixels ?? []) deepest = Math.max(deepest, d[p] as number);
      expect(d[at]).toBe(deepest);
      // Simulate: each click fixes its region; Dice rises strictly and reaches 1 after as many clicks as regions.
      const scores = [dice(pred, truth)];
      const current = Uint8Array.from(pred);
      for (let k = 0; k < regions.length; k++) {
        const c = nextClick(current, truth, width, height) as Click;
        const r = errorRegions(current, truth, width, height).find((x) => x.pixels.includes(c.y * width + c.x));
        for (const p of r?.pixels ?? []) current[p] = c.label === 'include' ? 1 : 0;
        scores.push(dice(current, truth));
        expect(scores.at(-1) as number).toBeGreaterThan(scores.at(-2) as number);
      }
      expect(scores.at(-1)).toBe(1);
      expect(nextClick(current, truth, width, height)).toBeUndefined();
    }
  });
});

describe('NoC and the summary', () => {
  it('counts clicks to a threshold, maxClicks + 1 when never reached', () => {
    expect(clicksToReach([0.91, 0.95], 0.9, 5)).toBe(0);
    expect(clicksToReach([0.5, 0.86, 0.92], 0.9, 5)).toBe(2);
    expect(clicksToReach([0.5, 0.86, 0.92], 0.85, 5)).toBe(1);
    expect(clicksToReach([0.5, 0.6, 0.7, 0.8, 0.85, 0.89], 0.9, 5)).toBe(6);
    // A session that stopped early (exact mask) keeps its last score.
    expect(clicksToReach([0.2, 1], 0.9, 5)).toBe(1);
  });

  it('averages Dice per click count and reports failures and seconds', () => {
    const s = summariseRobot([
      { id: 'a', dice: [0.8, 0.9, 0.95], clicks: [], seconds: [1, 3] },
      { id: 'b', dice: [0.5, 0.6, 0.7, 0.8, 0.84, 0.88], clicks: [], seconds: [2, 2, 2, 2, 2] },
    ], 5);
    expect(s.count).toBe(2);
    expect(s.meanDice[0]).toBeCloseTo(0.65, 12);
    expect(s.meanDice[5]).toBeCloseTo((0.95 + 0.88) / 2, 12);
    expect(s.nocAt85).toBeCloseTo((1 + 5) / 2, 12); // b reaches 0.85 at its 5th click
    expect(s.nocAt90).toBeCloseTo((1 + 6) / 2, 12);
    expect(s.failures).toBe(1);
    expect(s.secondsPerClick).toBeCloseTo(14 / 7, 12);
    expect(s.medianSecondsPerClick).toBe(2);
  });
});
