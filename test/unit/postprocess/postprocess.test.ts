// Post-processing on hand-made label maps: components, holes, resizing, the lesion and lung rules, click-to-pick.
import { describe, expect, it } from 'vitest';
import { connectedComponents, countOnes, fillHoles, largestComponent, resizeLabels, resizeMask } from '../../../model/postprocess/components';
import { luminanceAt, pickAt, selectLesion } from '../../../model/postprocess/lesion';
import { lungTarget } from '../../../model/postprocess/lung';

const grid = (rows: string[]) => Uint8Array.from(rows.join(''), (c) => (c === '#' ? 1 : 0));

describe('connected components and holes', () => {
  it('counts 8-connected components, their sizes and border contact', () => {
    const m = grid(['#....', '.#...', '.....', '...##', '...##']);
    const c = connectedComponents(m, 5, 5);
    expect(c.count).toBe(2);
    expect(c.sizes.slice(1)).toEqual([2, 4]);
    expect(c.touchesBorder.slice(1)).toEqual([true, true]);
    expect(connectedComponents(m, 5, 5, 4).count).toBe(3);
  });

  it('fills a hole but not a bay open to the border', () => {
    const ring = grid(['.....', '.###.', '.#.#.', '.###.', '.....']);
    expect(countOnes(fillHoles(ring, 5, 5))).toBe(9);
    const bay = grid(['.#.#.', '.#.#.', '.###.', '.....', '.....']);
    expect(countOnes(fillHoles(bay, 5, 5))).toBe(countOnes(bay));
  });

  it('keeps the largest component only', () => {
    const m = grid(['##...', '##...', '.....', '....#', '.....']);
    expect(Array.from(largestComponent(m, 5, 5))).toEqual(Array.from(grid(['##...', '##...', '.....', '.....', '.....'])));
  });

  it('resizes a mask with smooth edges and labels without blending', () => {
    const square = grid(['....', '.##.', '.##.', '....']);
    const big = resizeMask(square, 4, 4, 400, 400);
    // The square covers the middle half: edges land where the ramps cross 0.5 (x = 100 and 299), so the middle row and
    // column are exactly 200 long; interpolating a 4×4 grid 100× rounds the corners (4 × 100²·(ln2/2 − 1/4) ≈ 3,863 px).
    const row = big.subarray(200 * 400, 201 * 400);
    expect(countOnes(row)).toBe(200);
    expect(row[99]).toBe(0);
    expect(row[100]).toBe(1);
    expect(Math.abs(countOnes(big) - (200 * 200 - 4 * 1e4 * (Math.LN2 / 2 - 0.25)))).toBeLessThan(200);
    expect(big[200 * 400 + 200]).toBe(1);
    expect(big[10 * 400 + 10]).toBe(0);
    const labels = Uint8Array.from([3, 7, 7, 3]);
    expect(new Set(resizeLabels(labels, 2, 2, 9, 9))).toEqual(new Set([3, 7]));
  });
});

describe('lesion rule', () => {
  // 40×40: bright skin (cluster 1), a dark lesion disc (cluster 2), dark vignette corners (also cluster 2).
  const S = 40;
  const labels = new Uint8Array(S * S).fill(1);
  const lum = new Float32Array(S * S).fill(0.8);
  for (let y = 0; y < S; y++) {
    for (let x = 0; x < S; x++) {
      const disc = (x - 22) ** 2 + (y - 18) ** 2 < 64;
      const corner = Math.min(x, S - 1 - x) + Math.min(y, S - 1 - y) < 6;
      if (disc || corner) {
        labels[y * S + x] = 2;
        lum[y * S + x] = disc ? 0.3 : 0.1;
      }
    }
  }

  it('takes the dark component away from the border (the lesion, not the vignette corners) and fills it', () => {
    const r = selectLesion(labels, S, lum);
    expect(r.cluster).toBe(2);
    expect(r.mask[18 * S + 22]).toBe(1);
    expect(r.mask[0]).toBe(0);
    expect(countOnes(r.mask)).toBe([...labels].filter((l, i) => l === 2 && (i % S - 22) ** 2 + (Math.floor(i / S) - 18) ** 2 < 64).length);
    expect(r.confidence).toBeGreaterThan(0.5);
  });

  it('picks the component under a click, the skin when clicked on skin', () => {
    expect(pickAt(labels, S, 22, 18).mask[18 * S + 22]).toBe(1);
    const skin = pickAt(labels, S, 5, 20);
    expect(skin.cluster).toBe(1);
    expect(skin.mask[18 * S + 22]).toBe(1); // the lesion is a hole in the skin and gets filled, as the rule does
    expect(pickAt(labels, S, -1, 3).cluster).toBe(-1);
  });

  it('averages native RGB to the working size', () => {
    const rgb = new Float32Array(4 * 4 * 3).fill(1);
    rgb.fill(0, 0, 2 * 4 * 3); // top half black
    expect(Array.from(luminanceAt(rgb, 4, 4, 2)).map((v) => Number(v.toFixed(3)))).toEqual([0, 0, 1, 1]);
  });
});

describe('lung rule', () => {
  it('keeps air inside the body, drops outside air and the small trachea, fills vessels', () => {
    const S = 64;
    const hu = new Float32Array(S * S).fill(-1000); // outside air
    const labels = new Uint8Array(S * S).fill(0);
    for (let y = 0; y < S; y++) {
      for (let x = 0; x < S; x++) {
        const i = y * S + x;
        if ((x - 32) ** 2 / 28 ** 2 + (y - 32) ** 2 / 24 ** 2 < 1) { hu[i] = 40; labels[i] = 1; } // body
        const left = (x - 20) ** 2 + (y - 32) ** 2 < 100, right = (x - 44) ** 2 + (y - 32) ** 2 < 100;
        const trachea = (x - 32) ** 2 + (y - 20) ** 2 < 4;
        if (left || right) { hu[i] = -850; labels[i] = 0; }
        if (trachea) { hu[i] = -1000; labels[i] = 0; } // the airway holds pure air; lungs are air plus tissue
        if ((x - 20) ** 2 + (y - 32) ** 2 < 2) { hu[i] = 30; labels[i] = 1; } // a vessel inside the left lung
      }
    }
    const r = lungTarget(labels, S, hu, S, S);
    expect(r.mask[32 * S + 20]).toBe(1); // the vessel is inside the mask
    expect(r.mask[32 * S + 44]).toBe(1);
    expect(r.mask[20 * S + 32]).toBe(0); // trachea
    expect(r.mask[0]).toBe(0); // outside air
    expect(r.confidence).toBeGreaterThan(0);
  });
});
