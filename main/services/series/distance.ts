// Exact Euclidean distance transforms on binary masks (separable squared-distance transform, lower envelope of parabolas).

/**
 * 1-D squared distance transform of f along a strided line (Felzenszwalb & Huttenlocher's lower envelope):
 * d[q] = min_p (step·(q − p))² + f[p]. f holds 0 at features and Infinity elsewhere on the first pass.
 */
function transformLine(f: Float64Array, n: number, step2: number, d: Float64Array, v: Int32Array, z: Float64Array): void {
  let k = 0;
  let first = 0;
  while (first < n && f[first] === Infinity) first++;
  if (first === n) {
    d.fill(Infinity, 0, n);
    return;
  }
  v[0] = first;
  z[0] = -Infinity;
  z[1] = Infinity;
  for (let q = first + 1; q < n; q++) {
    const fq = f[q] as number;
    if (fq === Infinity) continue;
    let s: number;
    for (;;) {
      const p = v[k] as number;
      s = ((fq + step2 * q * q) - ((f[p] as number) + step2 * p * p)) / (2 * step2 * (q - p));
      if (s <= (z[k] as number) && k > 0) k--;
      else break;
    }
    k++;
    v[k] = q;
    z[k] = s;
    z[k + 1] = Infinity;
  }
  k = 0;
  for (let q = 0; q < n; q++) {
    while ((z[k + 1] as number) < q) k++;
    const p = v[k] as number;
    d[q] = step2 * (q - p) * (q - p) + (f[p] as number);
  }
}

/**
 * Squared Euclidean distance (in units of the given pixel spacing: [row spacing, column spacing]) from every pixel to
 * the nearest pixel whose mask value equals `feature`; Infinity where there is none.
 */
export function squaredDistanceTo(mask: Uint8Array, width: number, height: number, feature: 0 | 1, spacing: readonly [number, number] = [1, 1]): Float64Array {
  const out = new Float64Array(width * height);
  const n = Math.max(width, height);
  const f = new Float64Array(n), d = new Float64Array(n), z = new Float64Array(n + 1);
  const v = new Int32Array(n);
  const [rowStep, colStep] = spacing;
  // Columns first (step between rows), then rows (step between columns).
  for (let x = 0; x < width; x++) {
    for (let y = 0; y < height; y++) f[y] = ((mask[y * width + x] as number) ? 1 : 0) === feature ? 0 : Infinity;
    transformLine(f, height, rowStep * rowStep, d, v, z);
    for (let y = 0; y < height; y++) out[y * width + x] = d[y] as number;
  }
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) f[x] = out[row + x] as number;
    transformLine(f, width, colStep * colStep, d, v, z);
    for (let x = 0; x < width; x++) out[row + x] = d[x] as number;
  }
  return out;
}

/**
 * Signed distance to the mask's boundary: negative inside, positive outside, ±half a pixel at the pixels next to the
 * edge, so that thresholding at 0 gives the mask back exactly. An empty mask is +Infinity everywhere, a full one −Infinity.
 */
export function signedDistance(mask: Uint8Array, width: number, height: number, spacing: readonly [number, number] = [1, 1]): Float32Array {
  const toInside = squaredDistanceTo(mask, width, height, 1, spacing);
  const toOutside = squaredDistanceTo(mask, width, height, 0, spacing);
  const half = Math.min(spacing[0], spacing[1]) / 2;
  const out = new Float32Array(width * height);
  for (let i = 0; i < out.length; i++) out[i] = mask[i] ? half - Math.sqrt(toOutside[i] as number) : Math.sqrt(toInside[i] as number) - half;
  return out;
}
