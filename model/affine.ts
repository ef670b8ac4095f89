// Random affine transforms for S3-Net's transformation-consistency term (default mode): the input is transformed,
// T(x), and the network's answer on it, f(T(x)), is asked to agree with the transformed answer, T(f(x)), on the
// pixels T keeps inside the image. Plain JavaScript on small arrays (the working size), no tensors.

/**
 * Maps an output pixel centre (u, v) to input pixel coordinates: x = a·u + b·v + c, y = d·u + e·v + f.
 * Pixel centres sit at integer coordinates.
 */
export interface Affine {
  readonly a: number;
  readonly b: number;
  readonly c: number;
  readonly d: number;
  readonly e: number;
  readonly f: number;
}

export interface AffineRanges {
  /** Largest rotation either way, radians. */
  readonly rotation: number;
  /** Zoom drawn log-uniformly in [1/scale, scale] (1: the output shows the whole input). */
  readonly scale: number;
  /** Largest shift of the centre either way, as a fraction of the image side. */
  readonly translation: number;
  /** Mirror left–right with probability ½. */
  readonly flip: boolean;
}

/**
 * Rotations up to 30°, zoom 0.8–1.25, shifts up to 10 % and mirroring: what a hand-held dermoscope or a patient's
 * position changes between two pictures of the same lesion, well inside what leaves most of the image in view.
 */
export const DEFAULT_AFFINE_RANGES: AffineRanges = Object.freeze({ rotation: Math.PI / 6, scale: 1.25, translation: 0.1, flip: true });

/**
 * A random affine from an outSize² output grid onto an inSize² input, drawn from rand. With zoom 1, no rotation and
 * no shift, the output is the whole input resampled to outSize (a smaller outSize is a cheaper, coarser view).
 */
export function randomAffine(rand: () => number, inSize: number, outSize: number, ranges: AffineRanges = DEFAULT_AFFINE_RANGES): Affine {
  const theta = (2 * rand() - 1) * ranges.rotation;
  const zoom = Math.exp((2 * rand() - 1) * Math.log(ranges.scale));
  const tx = (2 * rand() - 1) * ranges.translation, ty = (2 * rand() - 1) * ranges.translation;
  const mirror = ranges.flip && rand() < 0.5 ? -1 : 1;
  // Normalised coordinates in [−1, 1]: q = (2(u + ½)/outSize − 1); p = R(θ)·diag(mirror, 1)·q / zoom + t; x = (p + 1)·inSize/2 − ½.
  const cos = Math.cos(theta) / zoom, sin = Math.sin(theta) / zoom;
  const k = inSize / outSize; // input pixels per output pixel at zoom 1
  const a = cos * mirror * k, b = -sin * k, d = sin * mirror * k, e = cos * k;
  // Offset: the output centre (outSize/2 − ½) lands on the input centre shifted by t.
  const uc = outSize / 2 - 0.5, xc = inSize / 2 - 0.5 + (tx * inSize) / 2, yc = inSize / 2 - 0.5 + (ty * inSize) / 2;
  return { a, b, c: xc - a * uc - b * uc, d, e, f: yc - d * uc - e * uc };
}

/** Bilinear samples of an inSize² RGB image on the outSize² grid of T; out-of-image taps clamp to the edge. */
export function warpRgb(rgb: Float32Array, inSize: number, t: Affine, outSize: number): Float32Array {
  const out = new Float32Array(outSize * outSize * 3);
  const last = inSize - 1;
  for (let v = 0; v < outSize; v++) {
    for (let u = 0; u < outSize; u++) {
      const x = Math.min(last, Math.max(0, t.a * u + t.b * v + t.c));
      const y = Math.min(last, Math.max(0, t.d * u + t.e * v + t.f));
      const x0 = Math.floor(x), y0 = Math.floor(y);
      const x1 = Math.min(last, x0 + 1), y1 = Math.min(last, y0 + 1);
      const rx = x - x0, ry = y - y0;
      const o = (v * outSize + u) * 3;
      for (let ch = 0; ch < 3; ch++) {
        const tl = rgb[(y0 * inSize + x0) * 3 + ch] as number, tr = rgb[(y0 * inSize + x1) * 3 + ch] as number;
        const bl = rgb[(y1 * inSize + x0) * 3 + ch] as number, br = rgb[(y1 * inSize + x1) * 3 + ch] as number;
        const top = tl + (tr - tl) * rx;
        out[o + ch] = top + (bl + (br - bl) * rx - top) * ry;
      }
    }
  }
  return out;
}

/**
 * T applied to a label map: the nearest input label for each output pixel, and −1 where T's source point lies
 * outside the input (those pixels take no part in the consistency loss).
 */
export function warpLabels(labels: Int32Array | Uint8Array, inSize: number, t: Affine, outSize: number): Int32Array {
  const out = new Int32Array(outSize * outSize);
  for (let v = 0; v < outSize; v++) {
    for (let u = 0; u < outSize; u++) {
      const x = t.a * u + t.b * v + t.c, y = t.d * u + t.e * v + t.f;
      const inside = x >= -0.5 && y >= -0.5 && x < inSize - 0.5 && y < inSize - 0.5;
      out[v * outSize + u] = inside ? (labels[Math.round(y) * inSize + Math.round(x)] as number) : -1;
    }
  }
  return out;
}
