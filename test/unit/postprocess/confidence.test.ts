// The proposal confidence (model/postprocess/confidence.ts): the decision margin on synthetic photos, and the
// juxtapleural nodule of LIDC-IDRI-0001 that the lung rule cuts out on 4 of its 8 slices.
import { describe, expect, it } from 'vitest';
import { lesionConfidence, lungConfidence } from '../../../model/postprocess';
import { noduleSlices } from '../../eval/nodule';

const W = 320, H = 240;
function photo(colour: (x: number, y: number) => readonly [number, number, number]) {
  const data = new Float32Array(W * H * 3);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) data.set(colour(x, y), 3 * (y * W + x));
  return { width: W, height: H, data };
}
const SKIN = [0.85, 0.65, 0.55] as const, LESION = [0.45, 0.3, 0.2] as const;
const r = (x: number, y: number) => Math.hypot((x - 160) / 60, (y - 120) / 45); // 1 on the lesion's outline
const disc = Uint8Array.from({ length: W * H }, (_, i) => (r(i % W, Math.floor(i / W)) < 1 ? 1 : 0));

describe('lesionConfidence', () => {
  it('trusts a sharp lesion and doubts one that fades into the skin, outlined the same way', () => {
    const sharp = lesionConfidence(disc, photo((x, y) => (r(x, y) < 1 ? LESION : SKIN)));
    // The same lesion with a wide rim ramping from lesion to skin colour between r = 0.6 and r = 1.6.
    const mix = (t: number) => LESION.map((v, k) => v + ((SKIN[k] as number) - v) * Math.max(0, Math.min(1, t))) as unknown as readonly [number, number, number];
    const faded = lesionConfidence(disc, photo((x, y) => mix((r(x, y) - 0.6) / 1)));
    expect(sharp.confidence).toBeGreaterThan(0.9);
    expect(sharp.signals.stability).toBeGreaterThan(0.95);
    expect(faded.signals.stability as number).toBeLessThan(0.85);
    expect(faded.confidence).toBeLessThan(0.75 * sharp.confidence);
  });

  it('has no confidence in a mask on plain skin, an empty mask or a full one, and refuses wrong sizes', () => {
    expect(lesionConfidence(disc, photo(() => SKIN)).confidence).toBeLessThan(0.05);
    expect(lesionConfidence(new Uint8Array(W * H), photo(() => SKIN)).confidence).toBe(0);
    expect(lesionConfidence(new Uint8Array(W * H).fill(1), photo(() => SKIN)).confidence).toBe(0);
    expect(() => lesionConfidence(new Uint8Array(5), photo(() => SKIN))).toThrow(RangeError);
  });

  it('doubts a proposal S3-Net\'s clusters disagree with, and a mask in the corner', () => {
    const image = photo((x, y) => (r(x, y) < 1 ? LESION : SKIN));
    expect(lesionConfidence(disc, image, { support: 0 }).confidence).toBeCloseTo(0.3 * lesionConfidence(disc, image).confidence, 6);
    const corner = Uint8Array.from({ length: W * H }, (_, i) => (Math.hypot(i % W, Math.floor(i / W)) < 40 ? 1 : 0));
    const dark = photo((x, y) => (Math.hypot(x, y) < 40 ? LESION : SKIN));
    expect(lesionConfidence(corner, dark).signals.centrality as number).toBeLessThan(0.7);
  });
});

describe('lungConfidence on the LIDC-IDRI-0001 juxtapleural nodule (069.xml, first reader)', () => {
  it('is lower on the 4 slices whose lung mask cuts the nodule out than on the 4 that keep it', async () => {
    const rows = await noduleSlices();
    expect(rows).toHaveLength(8);
    const cut = rows.filter((s) => s.kept < 0.5), kept = rows.filter((s) => s.kept >= 0.95);
    expect(cut).toHaveLength(4); // the rule's behaviour the issue reports (22–41 % of the nodule kept)
    expect(kept).toHaveLength(4);
    const maxCut = Math.max(...cut.map((s) => s.confidence)), minKept = Math.min(...kept.map((s) => s.confidence));
    expect(maxCut).toBeLessThan(minKept);
    expect(maxCut).toBeLessThan(0.5);
  });

  it('refuses a mask of the wrong size and has no confidence in an empty one', () => {
    expect(() => lungConfidence(new Uint8Array(4), new Float32Array(9), 3, 3)).toThrow(RangeError);
    expect(lungConfidence(new Uint8Array(9), new Float32Array(9), 3, 3).confidence).toBe(0);
  });
});
