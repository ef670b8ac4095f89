// The affine views of the default mode's transformation-consistency term: geometry, labels outside the image, seeding.
import { describe, expect, it } from 'vitest';
import { randomAffine, warpLabels, warpRgb, type Affine } from '../../model/affine';
import { mulberry32 } from '../../model/random';

const S = 16;
const IDENTITY: Affine = { a: 1, b: 0, c: 0, d: 0, e: 1, f: 0 };
const labelsOf = (f: (x: number, y: number) => number) => Int32Array.from({ length: S * S }, (_, i) => f(i % S, Math.floor(i / S)));
const rgbOf = (labels: Int32Array) => Float32Array.from({ length: S * S * 3 }, (_, k) => (labels[Math.floor(k / 3)] as number) / 10);

describe('affine views', () => {
  it('the identity copies labels and pixels', () => {
    const labels = labelsOf((x, y) => (x + 3 * y) % 7);
    expect(Array.from(warpLabels(labels, S, IDENTITY, S))).toEqual(Array.from(labels));
    expect(Array.from(warpRgb(rgbOf(labels), S, IDENTITY, S))).toEqual(Array.from(rgbOf(labels)));
  });

  it('a quarter turn about the centre moves labels where the geometry says, with nothing outside', () => {
    // x = (S−1) − v, y = u: output (u, v) shows input (S−1−v, u).
    const t: Affine = { a: 0, b: -1, c: S - 1, d: 1, e: 0, f: 0 };
    const labels = labelsOf((x, y) => x * S + y);
    const out = warpLabels(labels, S, t, S);
    for (let v = 0; v < S; v++) for (let u = 0; u < S; u++) expect(out[v * S + u]).toBe((S - 1 - v) * S + u);
  });

  it('pixels brought in from outside the image get label −1 (no loss there) and clamp in the image', () => {
    const t: Affine = { ...IDENTITY, c: 4 }; // shift: output column u shows input column u + 4
    const labels = labelsOf((x) => x);
    const out = warpLabels(labels, S, t, S);
    for (let u = 0; u < S; u++) expect(out[u]).toBe(u + 4 < S ? u + 4 : -1);
    const rgb = warpRgb(rgbOf(labels), S, t, S);
    expect(rgb[(S - 1) * 3]).toBeCloseTo((S - 1) / 10, 6); // clamped to the last column, not black
  });

  it('random draws stay within the ranges, and the same seed gives the same views', () => {
    const draw = (seed: number) => Array.from({ length: 50 }, () => randomAffine(mulberry32(seed), 256, 128));
    expect(draw(3)).toEqual(draw(3));
    const rand = mulberry32(9);
    for (let k = 0; k < 200; k++) {
      const t = randomAffine(rand, 256, 128);
      // Input pixels per output pixel: 2 at zoom 1; zoom in [0.8, 1.25] gives 1.6–2.5 (rotation keeps the norm).
      const stretch = Math.hypot(t.a, t.d);
      expect(stretch).toBeGreaterThanOrEqual(1.6 - 1e-9);
      expect(stretch).toBeLessThanOrEqual(2.5 + 1e-9);
      // Rotation at most 30°, either way (a mirrored view reflects x first).
      const angle = Math.abs(Math.atan2(-t.b, t.e));
      expect(angle).toBeLessThanOrEqual(Math.PI / 6 + 1e-9);
      // The centre of the view lands within 10 % of the side from the image centre.
      const cx = t.a * 63.5 + t.b * 63.5 + t.c, cy = t.d * 63.5 + t.e * 63.5 + t.f;
      expect(Math.abs(cx - 127.5)).toBeLessThanOrEqual(12.8 + 1e-9);
      expect(Math.abs(cy - 127.5)).toBeLessThanOrEqual(12.8 + 1e-9);
    }
  });

  it('a label map warps like the image it was drawn from (nearest vs bilinear agree on flat regions)', () => {
    const labels = labelsOf((x, y) => (x < 8 ? 1 : 3) + (y < 8 ? 0 : 4));
    const t = randomAffine(mulberry32(4), S, S, { rotation: 0.3, scale: 1.1, translation: 0.05, flip: true });
    const l = warpLabels(labels, S, t, S), rgb = warpRgb(rgbOf(labels), S, t, S);
    let agree = 0, inside = 0;
    l.forEach((v, i) => {
      if (v < 0) return;
      inside++;
      if (Math.abs((rgb[i * 3] as number) * 10 - v) < 1e-4) agree++;
    });
    // Away from the two boundaries the bilinear sample equals the nearest label.
    expect(inside).toBeGreaterThan(S * S * 0.6);
    expect(agree / inside).toBeGreaterThan(0.5);
  });
});
