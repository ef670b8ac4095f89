// The reference's ground-truth-assisted protocol (for comparison rows of the evaluation only).
import { describe, expect, it } from 'vitest';
import { dilateSquare, referenceAssistedMask } from '../../../main/services/evaluation/reference-protocol';
import { mulberry32 } from '../../../model/random';

describe('dilateSquare', () => {
  it('equals a brute-force (2r+1)² maximum, at the borders too', () => {
    const rand = mulberry32(8);
    const W = 23, H = 17;
    for (const [density, r] of [[0.02, 1], [0.05, 3], [0.2, 2], [0.01, 6]] as const) {
      const mask = Uint8Array.from({ length: W * H }, () => (rand() < density ? 1 : 0));
      const brute = Uint8Array.from({ length: W * H }, (_, i) => {
        const x = i % W, y = Math.floor(i / W);
        for (let yy = Math.max(0, y - r); yy <= Math.min(H - 1, y + r); yy++)
          for (let xx = Math.max(0, x - r); xx <= Math.min(W - 1, x + r); xx++) if (mask[yy * W + xx]) return 1;
        return 0;
      });
      expect(Array.from(dilateSquare(mask, W, H, r))).toEqual(Array.from(brute));
    }
  });
});

describe('referenceAssistedMask', () => {
  it('takes the non-zero cluster most common inside the truth, clipped to the dilated truth', () => {
    const W = 256, H = 256;
    // Cluster 2 covers a big square (the lesion and a far-away blob); the truth is the lesion square only.
    const labels = new Uint8Array(W * H).fill(1);
    const truth = new Uint8Array(W * H);
    for (let y = 100; y < 140; y++) for (let x = 100; x < 140; x++) truth[y * W + x] = 1;
    for (let y = 90; y < 150; y++) for (let x = 90; x < 150; x++) labels[y * W + x] = 2;
    for (let y = 10; y < 30; y++) for (let x = 10; x < 30; x++) labels[y * W + x] = 2;
    const { mask, cluster } = referenceAssistedMask(labels, truth, W, H);
    expect(cluster).toBe(2);
    // The far blob is clipped away; around the lesion the 9×9 square (radius 4 at 256²) lets 4 pixels through.
    expect(mask[20 * W + 20]).toBe(0);
    expect(mask[96 * W + 120]).toBe(1);
    expect(mask[95 * W + 120]).toBe(0);
    // Label 0 is never chosen, as in the reference (its counting ignores zeros).
    expect(referenceAssistedMask(new Uint8Array(W * H), truth, W, H).cluster).toBe(-1);
  });
});
