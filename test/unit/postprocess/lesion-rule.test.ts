// The lesion rule's traps (hair bridges, a lesion merging with a dark corner, large lesions at the edge), morphology,
// and real PH2 expert masks turned into label maps with vignette corners and hairs added.
import { describe, expect, it } from 'vitest';
import { countOnes, dilate, erode, open, resizeMask } from '../../../model/postprocess/components';
import { luminanceAt, pickAt, selectLesion } from '../../../model/postprocess/lesion';
import { overlap } from '../../../main/services/evaluation/metrics';
import { readMask, readRgb, toUnitRgb } from '../../../main/services/images/read';
import { dataPath } from '../../helpers/data';

const S = 128;
/** A label map and luminance: skin (cluster 5, bright) with the pixels where dark(x, y) holds set to cluster 9 (dark). */
function scene(dark: (x: number, y: number) => boolean): { labels: Uint8Array; lum: Float32Array } {
  const labels = new Uint8Array(S * S).fill(5);
  const lum = new Float32Array(S * S).fill(0.8);
  for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) if (dark(x, y)) { labels[y * S + x] = 9; lum[y * S + x] = 0.3; }
  return { labels, lum };
}
const disc = (cx: number, cy: number, r: number) => (x: number, y: number) => (x - cx) ** 2 + (y - cy) ** 2 < r * r;
/** Vignette: everything outside a circle a little larger than the inscribed one, i.e. the four corners. */
const corners = (x: number, y: number) => (x - 63.5) ** 2 + (y - 63.5) ** 2 > 72 ** 2;
const area = (f: (x: number, y: number) => boolean) => countOnes(scene(f).labels.map((l) => (l === 9 ? 1 : 0)));

describe('morphology', () => {
  it('erodes, dilates and opens with a disc', () => {
    const square = Uint8Array.from({ length: 20 * 20 }, (_, i) => (i % 20 >= 5 && i % 20 < 15 && i / 20 >= 5 && i / 20 < 15 ? 1 : 0));
    expect(countOnes(erode(square, 20, 20, 1))).toBe(64);
    const dot = new Uint8Array(9 * 9);
    dot[40] = 1;
    expect(countOnes(dilate(dot, 9, 9, 1))).toBe(5); // the four neighbours
    expect(countOnes(dilate(dot, 9, 9, 1.5))).toBe(9); // and the diagonals
    // A 2-pixel line across the square is opened away; the square's interior survives.
    const withLine = square.slice();
    for (let x = 0; x < 20; x++) withLine[2 * 20 + x] = withLine[3 * 20 + x] = 1;
    const opened = open(withLine, 20, 20, 2);
    expect(opened[2 * 20 + 1]).toBe(0);
    expect(opened[10 * 20 + 10]).toBe(1);
    // Touching the image border is not an edge: a region filling the image erodes to itself.
    expect(countOnes(erode(new Uint8Array(25).fill(1), 5, 5, 2))).toBe(25);
  });
});

describe('selectLesion traps', () => {
  it('drops vignette corners joined to the lesion by hairs', () => {
    const lesion = disc(60, 66, 20);
    const hair = (x: number, y: number) => Math.abs(y - x) <= 1 || Math.abs(y - (127 - x) - 2) <= 0;
    const { labels, lum } = scene((x, y) => lesion(x, y) || corners(x, y) || hair(x, y));
    const r = selectLesion(labels, S, lum);
    expect(r.cluster).toBe(9);
    const truth = scene(lesion).labels.map((l) => (l === 9 ? 1 : 0));
    expect(overlap(r.mask, truth).dice).toBeGreaterThan(0.95);
    expect(r.mask[0]).toBe(0);
    expect(r.mask[5 * S + 5]).toBe(0); // the hair near the corner
  });

  it('cuts a lesion off a dark corner it merges with over a wide front', () => {
    const lesion = disc(48, 48, 22);
    const bridge = (x: number, y: number) => x + y < 70 && Math.abs(x - y) < 10;
    const { labels, lum } = scene((x, y) => lesion(x, y) || corners(x, y) || bridge(x, y));
    const r = selectLesion(labels, S, lum);
    expect(r.mask[48 * S + 48]).toBe(1);
    expect(r.mask[2 * S + 2]).toBe(0);
    expect(r.mask[120 * S + 120]).toBe(0);
    expect(countOnes(r.mask)).toBeLessThan(area(lesion) * 1.15);
    expect(countOnes(r.mask)).toBeGreaterThan(area(lesion) * 0.9);
  });

  it('keeps a large lesion that reaches the edge, without the corners', () => {
    const lesion = (x: number, y: number) => (x - 64) ** 2 / 70 ** 2 + (y - 90) ** 2 / 45 ** 2 < 1; // runs off the bottom
    const { labels, lum } = scene((x, y) => lesion(x, y) || corners(x, y));
    const r = selectLesion(labels, S, lum);
    const truth = scene(lesion).labels.map((l) => (l === 9 ? 1 : 0));
    expect(overlap(r.mask, truth).dice).toBeGreaterThan(0.9);
    expect(r.mask[127 * S + 64]).toBe(1); // the lesion at the bottom edge
    expect(r.mask[0]).toBe(0);
  });

  it('returns an empty mask for a uniform label map', () => {
    const r = selectLesion(new Uint8Array(S * S), S, new Float32Array(S * S).fill(0.5));
    expect(countOnes(r.mask)).toBe(0);
    expect(r.cluster).toBe(-1);
  });
});

describe('pickAt', () => {
  it('picks the lesion without the vignette its hairs reach, and the corner when the corner is clicked', () => {
    const lesion = disc(60, 66, 20);
    const hair = (x: number, y: number) => Math.abs(y - x) <= 1;
    const { labels } = scene((x, y) => lesion(x, y) || corners(x, y) || hair(x, y));
    const truth = scene(lesion).labels.map((l) => (l === 9 ? 1 : 0));
    const onLesion = pickAt(labels, S, 60, 66);
    expect(onLesion.cluster).toBe(9);
    expect(overlap(onLesion.mask, truth).dice).toBeGreaterThan(0.95);
    const onCorner = pickAt(labels, S, 125, 2);
    expect(onCorner.mask[2 * S + 125]).toBe(1);
    expect(onCorner.mask[66 * S + 60]).toBe(0);
    // A click on the hair itself (thinner than the opening) takes the raw component it belongs to.
    const onHair = pickAt(labels, S, 100, 100);
    expect(onHair.mask[100 * S + 100]).toBe(1);
  });
});

describe('selectLesion and pickAt on PH2 expert masks', () => {
  it.each(['IMD002', 'IMD017'])('%s: the expert lesion as a cluster, with vignette corners and hairs, is recovered', async (id) => {
    const size = 256;
    const photo = await readRgb(dataPath('skin/ph2/images', `${id}.bmp`));
    const truth = await readMask(dataPath('skin/ph2/masks', `${id}_lesion.bmp`));
    const small = resizeMask(truth.mask, truth.width, truth.height, size, size);
    const c = (size - 1) / 2;
    const labels = Uint8Array.from(small, (v, i) => {
      const x = i % size, y = Math.floor(i / size);
      const corner = (x - c) ** 2 + (y - c) ** 2 > (size * 0.58) ** 2;
      const hair = Math.abs(x - 2 * y + 40) <= 1 && x > size / 2; // a thin dark line from the lesion side to the edge
      return v || corner || hair ? 3 : 7;
    });
    const lum = luminanceAt(toUnitRgb(photo), photo.width, photo.height, size);
    const r = selectLesion(labels, size, lum);
    expect(r.cluster).toBe(3);
    expect(overlap(r.mask, small).dice).toBeGreaterThan(0.97);
    // One click inside the lesion picks the same region (its component of cluster 3, holes filled): the corners and
    // the hair are connected to it only when they touch it, so the pick is at least the lesion.
    let cx = 0, cy = 0, n = 0;
    small.forEach((v, i) => v && ((cx += i % size), (cy += Math.floor(i / size)), n++));
    const picked = pickAt(labels, size, cx / n, cy / n);
    expect(picked.cluster).toBe(3);
    const inside = countOnes(Uint8Array.from(small, (v, i) => (v && picked.mask[i] ? 1 : 0)));
    expect(inside / countOnes(small)).toBeGreaterThan(0.99);
  });
});
