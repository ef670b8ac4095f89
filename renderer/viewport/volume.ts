// A series as one Int16 volume (built once), and coronal/sagittal planes reformatted from it on demand.
export type Plane = 'coronal' | 'sagittal';

export interface PlaneImage<T extends Int16Array | Uint8Array> {
  /** Across: image columns (coronal) or rows (sagittal); down: slices, slice 1 at the top. */
  readonly width: number;
  readonly height: number;
  readonly data: T;
}

/**
 * Gathers one plane from a stack of width×height slices. Coronal at row `index`: out[k][x] = slice k at (x, index);
 * sagittal at column `index`: out[k][y] = slice k at (index, y). Missing slices stay zero.
 */
export function gatherPlane<T extends Int16Array | Uint8Array>(
  slice: (k: number) => ArrayLike<number> | undefined,
  width: number,
  height: number,
  depth: number,
  plane: Plane,
  index: number,
  out: T,
): PlaneImage<T> {
  const across = plane === 'coronal' ? width : height;
  if (out.length !== across * depth) throw new Error(`plane buffer holds ${out.length} values, not ${across}×${depth}`);
  const limit = plane === 'coronal' ? height : width;
  const at = Math.max(0, Math.min(limit - 1, Math.floor(index)));
  for (let k = 0; k < depth; k++) {
    const s = slice(k);
    const row = k * across;
    if (!s) {
      out.fill(0, row, row + across);
      continue;
    }
    if (plane === 'coronal') for (let x = 0; x < width; x++) out[row + x] = s[at * width + x] ?? 0;
    else for (let y = 0; y < height; y++) out[row + y] = s[y * width + at] ?? 0;
  }
  return { width: across, height: depth, data: out };
}

/** The series' pixels in one Int16Array, slice after slice in viewing order. */
export class SeriesVolume {
  readonly data: Int16Array;

  constructor(
    readonly width: number,
    readonly height: number,
    slices: readonly Int16Array[],
  ) {
    const n = width * height;
    this.data = new Int16Array(n * slices.length);
    slices.forEach((s, k) => {
      if (s.length !== n) throw new Error(`slice ${k + 1} is ${s.length} pixels, not ${width}×${height}`);
      this.data.set(s, k * n);
    });
  }

  get depth(): number {
    return this.data.length / (this.width * this.height);
  }

  slice(k: number): Int16Array {
    const n = this.width * this.height;
    return this.data.subarray(k * n, (k + 1) * n);
  }

  reformat(plane: Plane, index: number): PlaneImage<Int16Array> {
    const across = plane === 'coronal' ? this.width : this.height;
    return gatherPlane((k) => this.slice(k), this.width, this.height, this.depth, plane, index, new Int16Array(across * this.depth));
  }
}

/**
 * Greyscale under the window, with the mask blended in each segment's colour: the RGBA picture of a reformatted
 * plane. colours: segment value → 0xRRGGBB.
 */
export function renderPlane(
  image: PlaneImage<Int16Array>,
  mask: PlaneImage<Uint8Array> | null,
  voi: { center: number; width: number },
  colours: ReadonlyMap<number, number>,
  opacity: number,
  out: Uint8ClampedArray,
): void {
  const lo = voi.center - voi.width / 2;
  const scale = 255 / Math.max(1, voi.width);
  const a = Math.max(0, Math.min(1, opacity));
  for (let i = 0; i < image.data.length; i++) {
    const g = Math.max(0, Math.min(255, ((image.data[i] ?? 0) - lo) * scale));
    let r = g;
    let gg = g;
    let b = g;
    const v = mask?.data[i] ?? 0;
    const c = v ? colours.get(v) : undefined;
    if (c !== undefined) {
      r = g + (((c >> 16) & 255) - g) * a;
      gg = g + (((c >> 8) & 255) - g) * a;
      b = g + ((c & 255) - g) * a;
    }
    const o = i * 4;
    out[o] = r;
    out[o + 1] = gg;
    out[o + 2] = b;
    out[o + 3] = 255;
  }
}
