// Guidance maps for the prompted head (the click maps of Xu et al. 2016 and RITM's previous mask), at working size:
// how near each pixel is to an include / exclude prompt, measured along S3-Net's features (geodesic, so a click
// spreads over the structure it lands on and stops at its edges), and where the previous mask lies.
import { chamferDistance } from '../postprocess/morphology-extra';
import type { FeatureMap } from './head';

const edgeCosts = new WeakMap<FeatureMap, { right: Float32Array; down: Float32Array }>();

/** Feature distance between 4-neighbours, normalised so the median step costs 1 (computed once per image). */
function costs(f: FeatureMap): { right: Float32Array; down: Float32Array } {
  const cached = edgeCosts.get(f);
  if (cached) return cached;
  const { size: S, channels: F, data: X } = f;
  const right = new Float32Array(S * S), down = new Float32Array(S * S);
  for (let y = 0; y < S; y++) {
    for (let x = 0; x < S; x++) {
      const i = y * S + x, o = i * F;
      if (x + 1 < S) {
        let d = 0;
        for (let c = 0; c < F; c++) d += ((X[o + c] as number) - (X[o + F + c] as number)) ** 2;
        right[i] = Math.sqrt(d);
      }
      if (y + 1 < S) {
        let d = 0;
        const o2 = o + S * F;
        for (let c = 0; c < F; c++) d += ((X[o + c] as number) - (X[o2 + c] as number)) ** 2;
        down[i] = Math.sqrt(d);
      }
    }
  }
  const sample = Float32Array.from(right.filter((_, i) => i % S !== S - 1)).sort();
  const median = (sample[sample.length >> 1] as number) || 1;
  for (let i = 0; i < right.length; i++) {
    right[i] = (right[i] as number) / median;
    down[i] = (down[i] as number) / median;
  }
  const c = { right, down };
  edgeCosts.set(f, c);
  return c;
}

/**
 * Geodesic distance from the source cells: each step costs 1 (space) plus `featureWeight` × the normalised feature
 * change (Dijkstra on the 4-connected grid). Infinity where no source exists.
 */
export function geodesicDistance(f: FeatureMap, sources: readonly number[], featureWeight: number): Float32Array {
  const S = f.size, N = S * S;
  const dist = new Float32Array(N).fill(Infinity);
  if (!sources.length) return dist;
  const { right, down } = costs(f);
  // Binary heap of (distance, cell).
  let heapD = new Float64Array(1024), heapI = new Int32Array(1024), n = 0;
  const push = (d: number, i: number) => {
    if (n === heapD.length) {
      const d2 = new Float64Array(n * 2), i2 = new Int32Array(n * 2);
      d2.set(heapD); i2.set(heapI); heapD = d2; heapI = i2;
    }
    let k = n++;
    while (k > 0) {
      const p = (k - 1) >> 1;
      if ((heapD[p] as number) <= d) break;
      heapD[k] = heapD[p] as number; heapI[k] = heapI[p] as number; k = p;
    }
    heapD[k] = d; heapI[k] = i;
  };
  const pop = (): number => {
    const top = heapI[0] as number;
    const d = heapD[--n] as number, i = heapI[n] as number;
    let k = 0;
    for (;;) {
      let c = 2 * k + 1;
      if (c >= n) break;
      if (c + 1 < n && (heapD[c + 1] as number) < (heapD[c] as number)) c++;
      if ((heapD[c] as number) >= d) break;
      heapD[k] = heapD[c] as number; heapI[k] = heapI[c] as number; k = c;
    }
    heapD[k] = d; heapI[k] = i;
    return top;
  };
  for (const s of sources) {
    dist[s] = 0;
    push(0, s);
  }
  while (n > 0) {
    const d0 = heapD[0] as number;
    const i = pop();
    if (d0 > (dist[i] as number)) continue;
    const x = i % S;
    const relax = (j: number, c: number) => {
      const nd = d0 + 1 + featureWeight * c;
      if (nd < (dist[j] as number)) {
        dist[j] = nd;
        push(nd, j);
      }
    };
    if (x + 1 < S) relax(i + 1, right[i] as number);
    if (x > 0) relax(i - 1, right[i - 1] as number);
    if (i + S < N) relax(i + S, down[i] as number);
    if (i >= S) relax(i - S, down[i - S] as number);
  }
  return dist;
}

/** exp(−distance / scale): 1 at the prompt, falling to 0 away from it (0 everywhere without prompts). */
export function proximity(dist: Float32Array, scale: number): Float32Array {
  return Float32Array.from(dist, (d) => (Number.isFinite(d) ? Math.exp(-d / scale) : 0));
}

/** tanh of the signed distance (cells) to the mask's outline, over `scale` cells: +1 deep inside, −1 far outside. */
export function signedMask(maskAtSize: Uint8Array, size: number, scale: number): Float32Array {
  const inside = chamferDistance(maskAtSize, size, size, 1, true, new Int32Array(size * size));
  const outside = chamferDistance(maskAtSize, size, size, 0, true, new Int32Array(size * size));
  return Float32Array.from(maskAtSize, (m, i) => Math.tanh((m ? (inside[i] as number) : -(outside[i] as number)) / 3 / scale));
}
