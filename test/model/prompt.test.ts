// Prompted S3-Net's pure parts: prompts to seeds, seeds from a mask, the seeded head on synthetic features.
import { describe, expect, it } from 'vitest';
import { checkPrompt, clickRadius, rasterisePrompts } from '../../model/prompt/rasterise';
import { countSeeds, seedsFromMask } from '../../model/prompt/seeds';
import { fitHead, headLogits, sampleSeeds, standardise } from '../../model/prompt/head';
import { geodesicDistance } from '../../model/prompt/guidance';
import { PromptError, SEED_BACKGROUND, SEED_TARGET } from '../../model/prompt/types';
import { mulberry32 } from '../../model/random';

describe('prompts', () => {
  it('refuses clicks outside, empty strokes and boxes without area, naming the problem', () => {
    expect(() => checkPrompt({ kind: 'click', x: 100, y: 5, label: 'include' }, 100, 50)).toThrow(PromptError);
    expect(() => checkPrompt({ kind: 'click', x: -1, y: 5, label: 'include' }, 100, 50)).toThrow(/outside the 100×50 image/);
    expect(() => checkPrompt({ kind: 'stroke', points: [], width: 3, label: 'exclude' }, 100, 50)).toThrow(/no points/);
    expect(() => checkPrompt({ kind: 'box', x0: 10, y0: 10, x1: 10, y1: 40 }, 100, 50)).toThrow(/no area/);
    expect(() => checkPrompt({ kind: 'click', x: 99, y: 49, label: 'exclude' }, 100, 50)).not.toThrow();
  });

  it('rasterises clicks as discs, strokes as thick lines and a box as background outside it; the later prompt wins', () => {
    const w = 200, h = 100, r = clickRadius(w, h);
    const s = rasterisePrompts([
      { kind: 'click', x: 50, y: 50, label: 'include' },
      { kind: 'stroke', points: [[100, 20], [180, 20]], width: 6, label: 'exclude' },
      { kind: 'click', x: 52, y: 50, label: 'exclude' },
    ], w, h);
    expect(s.data[50 * w + 52]).toBe(SEED_BACKGROUND);
    expect(s.data[50 * w + 50 - r]).toBe(SEED_TARGET);
    expect(s.data[22 * w + 140]).toBe(SEED_BACKGROUND);
    expect(s.data[30 * w + 140]).toBe(0);
    const box = rasterisePrompts([{ kind: 'box', x0: 50, y0: 20, x1: 150, y1: 80 }], w, h);
    expect(box.data[0]).toBe(SEED_BACKGROUND);
    expect(box.data[50 * w + 100]).toBe(0);
  });

  it('seeds a mask with an eroded core and the outside beyond a gap, leaving the ring unknown', () => {
    const w = 64, h = 64, mask = new Uint8Array(w * h);
    for (let y = 16; y < 48; y++) for (let x = 16; x < 48; x++) mask[y * w + x] = 1;
    const s = seedsFromMask(mask, w, h, { core: 0.15, gap: 0.15, band: Infinity, minPixels: 1 });
    expect(s.data[32 * w + 32]).toBe(SEED_TARGET);
    expect(s.data[16 * w + 16]).toBe(0);
    expect(s.data[15 * w + 32]).toBe(0);
    expect(s.data[0]).toBe(SEED_BACKGROUND);
    const c = countSeeds(s);
    expect(c.target).toBeGreaterThan(0);
    expect(c.target).toBeLessThan(32 * 32);
    expect(countSeeds(seedsFromMask(new Uint8Array(w * h), w, h))).toEqual({ target: 0, background: 0 });
  });
});

describe('the seeded head', () => {
  it('learns from a few seeds which feature separates the target, balanced against a large background', () => {
    const S = 32, F = 4, rand = mulberry32(3);
    const data = new Float32Array(S * S * F), truth = new Uint8Array(S * S);
    for (let y = 0; y < S; y++) {
      for (let x = 0; x < S; x++) {
        const i = y * S + x, inside = (x - 16) ** 2 + (y - 16) ** 2 < 36;
        truth[i] = inside ? 1 : 0;
        data[i * F] = (inside ? 1 : 0) + 0.3 * (rand() - 0.5);
        for (let c = 1; c < F; c++) data[i * F + c] = rand();
      }
    }
    const features = standardise(data, S, F);
    const seeds = new Uint8Array(S * S);
    seeds[16 * S + 16] = SEED_TARGET;
    for (let i = 0; i < S; i++) seeds[i] = SEED_BACKGROUND;
    const samples = sampleSeeds({ width: S, height: S, data: seeds }, S, 1, 1000, mulberry32(1));
    const fit = fitHead(features, samples, undefined, { selfLabelWeight: 0 });
    const z = headLogits(features, fit.head);
    let agree = 0;
    for (let i = 0; i < z.length; i++) if (((z[i] as number) > 0 ? 1 : 0) === truth[i]) agree++;
    expect(agree / z.length).toBeGreaterThan(0.97);
    expect(fit.aborted).toBe(false);
    const stopped = fitHead(features, samples, undefined, {}, () => true);
    expect(stopped.aborted).toBe(true);
  });

  it('measures geodesic distance along features: a feature edge is expensive to cross', () => {
    const S = 16, F = 1, data = new Float32Array(S * S);
    for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) data[y * S + x] = x < 8 ? 0 : 10 + 0.01 * ((x * 7 + y * 3) % 5);
    const f = standardise(data, S, F);
    const d = geodesicDistance(f, [8 * S + 2], 1);
    expect(d[8 * S + 2]).toBe(0);
    expect((d[8 * S + 6] as number)).toBeLessThan(d[8 * S + 9] as number);
    expect((d[8 * S + 9] as number) - (d[8 * S + 7] as number)).toBeGreaterThan(2);
  });
});
