// The lesion rules' traps (hair, dark corners, a ruler, lesions at the edge or filling the photo, a small lesion the
// clusters miss), morphology, and real PH2 / ISIC expert masks with label maps that need no training.
import { describe, expect, it } from 'vitest';
import { borderCover, countOnes, dilate, erode, greyClose, open, otsu, resizeMask } from '../../../model/postprocess/components';
import { lesionTarget, luminanceAt, pickAt, pickTarget, selectLesion } from '../../../model/postprocess/lesion';
import { mulberry32 } from '../../../model/random';
import type { RgbImage } from '../../../model/types';
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

describe('grey closing and Otsu', () => {
  it('closes dark lines thinner than the disc and keeps a large dark region', () => {
    const W = 40, v = new Float32Array(W * W).fill(0.8);
    for (let y = 0; y < W; y++) for (let x = 0; x < W; x++) {
      if (x === 5 || x === 6) v[y * W + x] = 0.1; // a 2-px hair
      if ((x - 25) ** 2 + (y - 25) ** 2 < 64) v[y * W + x] = 0.3; // a lesion of radius 8
    }
    const closed = greyClose(v, W, W, 2);
    expect(closed[20 * W + 5]).toBeCloseTo(0.8);
    expect(closed[25 * W + 25]).toBeCloseTo(0.3);
    expect(closed[25 * W + 32]).toBeCloseTo(0.3); // the lesion's edge stays where it was
  });

  it('measures how much of the image outline a mask covers', () => {
    const m = new Uint8Array(10 * 5);
    for (let y = 0; y < 5; y++) m[y * 10 + 9] = 1; // the right column: 5 of the 26 outline pixels
    expect(borderCover(m, 10, 5)).toBeCloseTo(5 / 26);
    expect(borderCover(new Uint8Array(50).fill(1), 10, 5)).toBe(1);
  });

  it('puts the threshold between two levels and reports how separable they are', () => {
    const v = Float32Array.from({ length: 1000 }, (_, i) => (i < 300 ? 0.2 : 0.7));
    const two = otsu(v, () => true);
    expect(two.threshold).toBeGreaterThan(0.2);
    expect(two.threshold).toBeLessThanOrEqual(0.7);
    expect(two.separability).toBeGreaterThan(0.99);
    const rnd = mulberry32(1);
    expect(otsu(Float32Array.from({ length: 1000 }, () => 0.5 + 0.1 * rnd()), () => true).separability).toBeLessThan(0.8);
  });
});

// Synthetic dermoscopy photos: skin, a brown lesion, dark hairs, texture; labels at size S as S3-Net might give them.
const SKIN = [0.86, 0.66, 0.56], LESION = [0.55, 0.36, 0.24], HAIR = [0.2, 0.14, 0.1];
type Paint = (x: number, y: number) => readonly number[];
function photo(width: number, height: number, paint: Paint, seed = 1): RgbImage {
  const rnd = mulberry32(seed), data = new Float32Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) {
    const c = paint(x, y), grain = 0.04 * (rnd() - 0.5);
    for (let k = 0; k < 3; k++) data[(y * width + x) * 3 + k] = Math.min(1, Math.max(0, (c[k] as number) + grain));
  }
  return { width, height, data };
}
/** The native mask where inside(x, y) holds. */
const maskOf = (w: number, h: number, inside: (x: number, y: number) => boolean) => Uint8Array.from({ length: w * h }, (_, i) => (inside(i % w, Math.floor(i / w)) ? 1 : 0));
/** Labels at S × S: cluster 4 where the photo (sampled at the cell centre) is darker than `cut`, else 1. */
function darkLabels(image: RgbImage, S: number, cut = 0.55): Uint8Array {
  return Uint8Array.from({ length: S * S }, (_, i) => {
    const x = Math.floor((((i % S) + 0.5) * image.width) / S), y = Math.floor(((Math.floor(i / S) + 0.5) * image.height) / S);
    const p = (y * image.width + x) * 3;
    return 0.299 * (image.data[p] as number) + 0.587 * (image.data[p + 1] as number) + 0.114 * (image.data[p + 2] as number) < cut ? 4 : 1;
  });
}
const ellipse = (cx: number, cy: number, rx: number, ry: number) => (x: number, y: number) => ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 < 1;
/** A hair: a 4-px line through (x0, y0) with the given slope. */
const hairLine = (x0: number, y0: number, slope: number) => (x: number, y: number) => Math.abs(y - y0 - slope * (x - x0)) / Math.hypot(1, slope) < 2;
const W = 640, H = 480; // S = 128 as above
const dice = (a: Uint8Array, b: Uint8Array) => overlap(a, b).dice;

describe('lesionTarget traps (native 640×480, labels 128×128)', () => {
  const central = ellipse(300, 250, 110, 80);
  const centralPhoto = photo(W, H, (x, y) => (central(x, y) ? LESION : SKIN));
  const centralResult = lesionTarget(darkLabels(centralPhoto, S), S, centralPhoto);

  it('returns a native-resolution mask of the central lesion with high confidence', () => {
    expect(centralResult.width).toBe(W);
    expect(centralResult.height).toBe(H);
    expect(centralResult.mask.length).toBe(W * H);
    expect(centralResult.cluster).toBe(4);
    expect(dice(centralResult.mask, maskOf(W, H, central))).toBeGreaterThan(0.98);
    expect(centralResult.confidence).toBeGreaterThan(0.8);
  });

  it('does not let in hairs that cross the lesion and run to the border (they share its cluster)', () => {
    const hairs = [hairLine(0, 40, 0.8), hairLine(0, 420, -0.6), hairLine(100, 0, 3)];
    const image = photo(W, H, (x, y) => (hairs.some((h) => h(x, y)) ? HAIR : central(x, y) ? LESION : SKIN));
    const r = lesionTarget(darkLabels(image, S), S, image);
    expect(dice(r.mask, maskOf(W, H, central))).toBeGreaterThan(0.97);
    expect(r.mask[56 * W + 20]).toBe(0); // on a hair near the corner
    expect(r.mask[Math.round(420 - 0.6 * 20) * W + 20]).toBe(0); // on a hair, far from the lesion
    expect(r.mask[Math.round(40 + 0.8 * 300) * W + 300]).toBe(1); // on a hair, inside the lesion
    // Hair pixels within ≈ 20 px outside the outline: measured 22 % let in (the outline's own tolerance), 79 % without
    // the grey closing.
    const near = ellipse(300, 250, 130, 100);
    let n = 0, on = 0;
    for (let i = 0; i < W * H; i++) {
      const x = i % W, y = Math.floor(i / W);
      if (!near(x, y) || central(x, y) || !hairs.some((h) => h(x, y))) continue;
      n++;
      on += r.mask[i] as number;
    }
    expect(on / n).toBeLessThan(0.3);
  });

  it('leaves out dark vignette corners that the lesion almost reaches', () => {
    const lesion = ellipse(230, 200, 130, 110);
    const falloff = (x: number, y: number) => Math.max(0.15, Math.min(1, 1 - 4 * (Math.hypot(x - W / 2, y - H / 2) / Math.hypot(W / 2, H / 2) - 0.78)));
    const image = photo(W, H, (x, y) => (lesion(x, y) ? LESION : SKIN).map((c) => c * falloff(x, y)));
    const r = lesionTarget(darkLabels(image, S), S, image);
    expect(r.mask[2 * W + 2]).toBe(0);
    expect(r.mask[(H - 3) * W + W - 3]).toBe(0);
    expect(dice(r.mask, maskOf(W, H, lesion))).toBeGreaterThan(0.95);
  });

  it('leaves out a ruler with ticks', () => {
    const ruler = (x: number, y: number) => x > 60 && x < 560 && ((y >= 440 && y < 444) || (y >= 425 && y < 444 && x % 25 < 3));
    const image = photo(W, H, (x, y) => (ruler(x, y) ? HAIR : central(x, y) ? LESION : SKIN));
    const r = lesionTarget(darkLabels(image, S), S, image);
    expect(dice(r.mask, maskOf(W, H, central))).toBeGreaterThan(0.98);
    expect(countOnes(r.mask.subarray(420 * W))).toBe(0);
  });

  it('keeps a lesion cut by the border, with less confidence than a central one', () => {
    const lesion = ellipse(600, 240, 150, 120);
    const image = photo(W, H, (x, y) => (lesion(x, y) ? LESION : SKIN));
    const r = lesionTarget(darkLabels(image, S), S, image);
    expect(dice(r.mask, maskOf(W, H, lesion))).toBeGreaterThan(0.97);
    expect(r.mask[240 * W + W - 1]).toBe(1);
    expect(r.confidence).toBeLessThan(centralResult.confidence);
  });

  it('keeps a lesion that covers most of the photo, with less confidence than a central one', () => {
    const lesion = ellipse(320, 240, 330, 230); // ≈ 78 % of the photo, reaching all four sides
    const image = photo(W, H, (x, y) => (lesion(x, y) ? LESION : SKIN));
    const r = lesionTarget(darkLabels(image, S), S, image);
    expect(dice(r.mask, maskOf(W, H, lesion))).toBeGreaterThan(0.97);
    // Only its border contact lowers the trust: penalising large lesions ranked the ph2-extra proposals worse.
    expect(r.confidence).toBeLessThan(centralResult.confidence);
  });

  it('finds a small lesion the clusters do not separate (they split hair from skin only), with low confidence', () => {
    const lesion = ellipse(250, 200, 40, 30); // 1.2 % of the photo
    const hairs = [hairLine(0, 100, 0.5), hairLine(0, 400, -0.3), hairLine(500, 0, -2), hairLine(0, 300, 0.05)];
    const isHair = (x: number, y: number) => hairs.some((h) => h(x, y));
    const image = photo(W, H, (x, y) => (isHair(x, y) ? HAIR : lesion(x, y) ? LESION : SKIN));
    const labels = Uint8Array.from({ length: S * S }, (_, i) => (isHair(((i % S) + 0.5) * (W / S), (Math.floor(i / S) + 0.5) * (H / S)) ? 2 : 0));
    const proposal = resizeMask(selectLesion(labels, S, luminanceAt(image.data, W, H, S)).mask, S, S, W, H);
    expect(dice(proposal, maskOf(W, H, lesion))).toBeLessThan(0.1); // the cluster rule alone fails
    const r = lesionTarget(labels, S, image);
    expect(dice(r.mask, maskOf(W, H, lesion))).toBeGreaterThan(0.93);
    expect(r.confidence).toBeLessThan(0.35);
    // One click on it picks it too; a click on the skin picks the skin's cluster, not the lesion alone.
    const picked = pickTarget(labels, S, image, 250, 200);
    expect(dice(picked.mask, maskOf(W, H, lesion))).toBeGreaterThan(0.93);
    const skin = pickTarget(labels, S, image, 600, 30);
    expect(skin.cluster).toBe(0);
    expect(skin.mask[30 * W + 600]).toBe(1);
    expect(countOnes(skin.mask)).toBeGreaterThan(W * H * 0.5);
    expect(pickTarget(labels, S, image, -1, 5).cluster).toBe(-1);
    expect(countOnes(pickTarget(labels, S, image, W, 5).mask)).toBe(0);
  });

  it('places the outline between working pixels: closer to the truth than the upsampled working mask', () => {
    // 1600 × 1200 with labels at 64 × 64: one working pixel is 25 × 19 native pixels.
    const w = 1600, h = 1200, lesion = ellipse(780, 610, 420, 300);
    const image = photo(w, h, (x, y) => (lesion(x, y) ? LESION : SKIN));
    const labels = darkLabels(image, 64);
    const truth = maskOf(w, h, lesion);
    const upsampled = resizeMask(selectLesion(labels, 64, luminanceAt(image.data, w, h, 64)).mask, 64, 64, w, h);
    const native = lesionTarget(labels, 64, image).mask;
    expect(dice(native, truth)).toBeGreaterThan(0.995);
    expect(dice(native, truth)).toBeGreaterThan(dice(upsampled, truth) + 0.005);
  });

  it('has next to no confidence in whatever it finds on plain skin', () => {
    const image = photo(W, H, () => SKIN);
    expect(lesionTarget(new Uint8Array(S * S), S, image).confidence).toBeLessThan(0.05);
    expect(lesionTarget(darkLabels(image, S, 0.7), S, image).confidence).toBeLessThan(0.1);
  });
});

describe('lesionTarget on real photos, label maps without training', () => {
  /** The expert lesion as cluster 3 with vignette corners and a hair added (as the selectLesion test above). */
  function expertLabels(small: Uint8Array, size: number): Uint8Array {
    const c = (size - 1) / 2;
    return Uint8Array.from(small, (v, i) => {
      const x = i % size, y = Math.floor(i / size);
      return v || (x - c) ** 2 + (y - c) ** 2 > (size * 0.58) ** 2 || (Math.abs(x - 2 * y + 40) <= 1 && x > size / 2) ? 3 : 7;
    });
  }
  async function load(set: string, image: string, mask: string) {
    const decoded = await readRgb(dataPath(`skin/${set}/images`, image));
    const truth = await readMask(dataPath(`skin/${set}/masks`, mask));
    return { image: { width: decoded.width, height: decoded.height, data: toUnitRgb(decoded) }, truth };
  }

  // Measured (faithful S3-Net label maps give the same on these three): IMD002 0.949, IMD017 0.971, IMD064 0.965.
  it.each([
    ['IMD002', 0.945],
    ['IMD017', 0.965],
    ['IMD064', 0.96],
  ])('%s: native Dice against the expert ≥ %s, with expert-derived clusters or none at all', async (id, min) => {
    const size = 256;
    const { image, truth } = await load('ph2', `${id}.bmp`, `${id}_lesion.bmp`);
    const labels = expertLabels(resizeMask(truth.mask, truth.width, truth.height, size, size), size);
    const withClusters = lesionTarget(labels, size, image);
    expect(withClusters.cluster).toBe(3);
    expect(dice(withClusters.mask, truth.mask)).toBeGreaterThan(min);
    const without = lesionTarget(new Uint8Array(size * size), size, image);
    expect(dice(without.mask, truth.mask)).toBeGreaterThan(min);
    expect(without.confidence).toBeLessThanOrEqual(0.3); // no support from the clusters
  });

  it('ISIC_0012288 (a small lesion among hairs and a ruler, 4288×2848): found without cluster support, and by one click', async () => {
    const size = 256;
    const { image, truth } = await load('isic2017', 'ISIC_0012288.jpg', 'ISIC_0012288_segmentation.png');
    const labels = new Uint8Array(size * size); // S3-Net's faithful clusters do not separate it either (GT-cluster Dice 0.05)
    const r = lesionTarget(labels, size, image);
    expect(dice(r.mask, truth.mask)).toBeGreaterThan(0.92); // measured 0.929
    expect(r.confidence).toBeLessThanOrEqual(0.3);
    let cx = 0, cy = 0, n = 0;
    truth.mask.forEach((v, i) => v && ((cx += i % truth.width), (cy += Math.floor(i / truth.width)), n++));
    expect(dice(pickTarget(labels, size, image, cx / n, cy / n).mask, truth.mask)).toBeGreaterThan(0.92);
  });
});
