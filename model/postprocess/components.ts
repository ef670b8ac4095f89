// Binary-mask geometry on row-major Uint8Array masks: connected components, hole filling, resizing.


/** `Uint8Array.from(src, fn)` without its intermediate list of every value (which costs ~8 bytes a pixel on a photo). */
export function mapU8(src: ArrayLike<number>, fn: (v: number, i: number) => number): Uint8Array {
  const out = new Uint8Array(src.length);
  for (let i = 0; i < out.length; i++) out[i] = fn(src[i] as number, i);
  return out;
}

export interface Components {
  /** Component id per pixel (0 = background, 1..count). */
  readonly ids: Int32Array;
  readonly count: number;
  /** Pixel count per id (index 0 unused). */
  readonly sizes: number[];
  /** Whether the component touches the image border (index 0 unused). */
  readonly touchesBorder: boolean[];
}

/** Labels the connected components of mask (nonzero = foreground), 8- or 4-connected, with an explicit stack. */
export function connectedComponents(mask: Uint8Array, width: number, height: number, connectivity: 4 | 8 = 8): Components {
  const ids = new Int32Array(width * height);
  const sizes = [0];
  const touchesBorder = [false];
  const stack = new Int32Array(width * height);
  let count = 0;
  for (let start = 0; start < mask.length; start++) {
    if (!mask[start] || ids[start]) continue;
    count++;
    let size = 0, border = false, top = 0;
    stack[top++] = start;
    ids[start] = count;
    while (top > 0) {
      const p = stack[--top] as number;
      size++;
      const x = p % width, y = (p - x) / width;
      if (x === 0 || y === 0 || x === width - 1 || y === height - 1) border = true;
      for (let dy = -1; dy <= 1; dy++) {
        const ny = y + dy;
        if (ny < 0 || ny >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          if ((dx === 0 && dy === 0) || (connectivity === 4 && dx !== 0 && dy !== 0)) continue;
          const nx = x + dx;
          if (nx < 0 || nx >= width) continue;
          const q = ny * width + nx;
          if (mask[q] && !ids[q]) {
            ids[q] = count;
            stack[top++] = q;
          }
        }
      }
    }
    sizes.push(size);
    touchesBorder.push(border);
  }
  return { ids, count, sizes, touchesBorder };
}

/** The pixels of the given component ids as a 0/1 mask. */
export function selectComponents(c: Components, keep: (id: number) => boolean): Uint8Array {
  const out = new Uint8Array(c.ids.length);
  for (let i = 0; i < out.length; i++) {
    const id = c.ids[i] as number;
    if (id && keep(id)) out[i] = 1;
  }
  return out;
}

/** Fills holes: background not 4-connected to the image border becomes foreground. */
export function fillHoles(mask: Uint8Array, width: number, height: number): Uint8Array {
  // Flood the background from the border (4-connected); whatever background the flood misses is a hole.
  const outside = new Uint8Array(mask.length);
  const stack = new Int32Array(mask.length);
  let top = 0;
  const seed = (p: number) => {
    if (!mask[p] && !outside[p]) {
      outside[p] = 1;
      stack[top++] = p;
    }
  };
  for (let x = 0; x < width; x++) {
    seed(x);
    seed((height - 1) * width + x);
  }
  for (let y = 0; y < height; y++) {
    seed(y * width);
    seed(y * width + width - 1);
  }
  while (top > 0) {
    const p = stack[--top] as number;
    const x = p % width;
    if (x > 0) seed(p - 1);
    if (x < width - 1) seed(p + 1);
    if (p >= width) seed(p - width);
    if (p < (height - 1) * width) seed(p + width);
  }
  const out = new Uint8Array(mask.length);
  for (let i = 0; i < out.length; i++) out[i] = mask[i] || !outside[i] ? 1 : 0;
  return out;
}

/** Keeps the largest component (8-connected); an empty mask stays empty. */
export function largestComponent(mask: Uint8Array, width: number, height: number): Uint8Array {
  const c = connectedComponents(mask, width, height);
  let best = 0;
  for (let id = 1; id <= c.count; id++) if ((c.sizes[id] as number) > (c.sizes[best] ?? 0)) best = id;
  return best ? selectComponents(c, (id) => id === best) : new Uint8Array(mask.length);
}

/**
 * Resizes a 0/1 mask with bilinear interpolation (pixel centres aligned) and thresholds at 0.5, so edges stay smooth
 * when a 256×256 working mask is brought to a 4288×2848 photograph.
 */
export function resizeMask(mask: Uint8Array, width: number, height: number, outWidth: number, outHeight: number): Uint8Array {
  const out = new Uint8Array(outWidth * outHeight);
  const sx = width / outWidth, sy = height / outHeight;
  for (let y = 0; y < outHeight; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), height - 1);
    const y0 = Math.floor(fy), y1 = Math.min(y0 + 1, height - 1), wy = fy - y0;
    for (let x = 0; x < outWidth; x++) {
      const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), width - 1);
      const x0 = Math.floor(fx), x1 = Math.min(x0 + 1, width - 1), wx = fx - x0;
      const v =
        (1 - wy) * ((1 - wx) * (mask[y0 * width + x0] as number) + wx * (mask[y0 * width + x1] as number)) +
        wy * ((1 - wx) * (mask[y1 * width + x0] as number) + wx * (mask[y1 * width + x1] as number));
      out[y * outWidth + x] = v >= 0.5 ? 1 : 0;
    }
  }
  return out;
}

/** Nearest-neighbour resize of a label map (cluster ids must not be blended). */
export function resizeLabels(labels: Uint8Array, width: number, height: number, outWidth: number, outHeight: number): Uint8Array {
  const out = new Uint8Array(outWidth * outHeight);
  for (let y = 0; y < outHeight; y++) {
    const sy = Math.min(height - 1, Math.floor(((y + 0.5) * height) / outHeight));
    for (let x = 0; x < outWidth; x++) {
      out[y * outWidth + x] = labels[sy * width + Math.min(width - 1, Math.floor(((x + 0.5) * width) / outWidth))] as number;
    }
  }
  return out;
}

/** Fraction of the image's outline (its border pixels) that the mask covers: how much of a region the border cuts. */
export function borderCover(mask: Uint8Array, width: number, height: number): number {
  let on = 0;
  for (let x = 0; x < width; x++) on += (mask[x] ? 1 : 0) + (mask[(height - 1) * width + x] ? 1 : 0);
  for (let y = 1; y < height - 1; y++) on += (mask[y * width] ? 1 : 0) + (mask[y * width + width - 1] ? 1 : 0);
  return on / Math.max(1, 2 * (width + height) - 4);
}

export function countOnes(mask: Uint8Array): number {
  let n = 0;
  for (const v of mask) n += v ? 1 : 0;
  return n;
}

/**
 * Chamfer (3-4) distance, in pixels, from every foreground pixel to the nearest background pixel (0 on background).
 * Outside the image counts as foreground, so a region touching the border is not eroded from that side.
 */
export function distanceInside(mask: Uint8Array, width: number, height: number): Float32Array {
  const INF = 1e9;
  const d = new Float32Array(width * height);
  for (let i = 0; i < d.length; i++) d[i] = mask[i] ? INF : 0;
  // Plain index loops (no per-pixel closures): this runs several times per proposal.
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (!d[i]) continue;
      const left = x > 0 ? (d[i - 1] as number) : INF;
      const up = y > 0 ? (d[i - width] as number) : INF;
      const upLeft = x > 0 && y > 0 ? (d[i - width - 1] as number) : INF;
      const upRight = x < width - 1 && y > 0 ? (d[i - width + 1] as number) : INF;
      d[i] = Math.min(d[i] as number, left + 3, up + 3, upLeft + 4, upRight + 4);
    }
  }
  for (let y = height - 1; y >= 0; y--) {
    for (let x = width - 1; x >= 0; x--) {
      const i = y * width + x;
      if (!d[i]) continue;
      const right = x < width - 1 ? (d[i + 1] as number) : INF;
      const down = y < height - 1 ? (d[i + width] as number) : INF;
      const downRight = x < width - 1 && y < height - 1 ? (d[i + width + 1] as number) : INF;
      const downLeft = x > 0 && y < height - 1 ? (d[i + width - 1] as number) : INF;
      d[i] = Math.min(d[i] as number, right + 3, down + 3, downRight + 4, downLeft + 4);
    }
  }
  for (let i = 0; i < d.length; i++) d[i] = (d[i] as number) >= INF ? Number.POSITIVE_INFINITY : (d[i] as number) / 3;
  return d;
}

/** Erosion by a disc of the given radius (chamfer metric). */
export function erode(mask: Uint8Array, width: number, height: number, radius: number): Uint8Array {
  const d = distanceInside(mask, width, height);
  const out = new Uint8Array(d.length);
  for (let i = 0; i < d.length; i++) out[i] = (d[i] as number) > radius ? 1 : 0;
  return out;
}

/** Dilation by a disc of the given radius (chamfer metric). */
export function dilate(mask: Uint8Array, width: number, height: number, radius: number): Uint8Array {
  const inverse = new Uint8Array(mask.length);
  for (let i = 0; i < mask.length; i++) inverse[i] = mask[i] ? 0 : 1;
  const d = distanceInside(inverse, width, height);
  const out = new Uint8Array(d.length);
  for (let i = 0; i < d.length; i++) out[i] = (d[i] as number) > radius ? 0 : 1;
  return out;
}

/** Opening: removes structures thinner than about 2·radius (hairs, thin bridges) and keeps the rest's shape. */
export function open(mask: Uint8Array, width: number, height: number, radius: number): Uint8Array {
  const opened = dilate(erode(mask, width, height, radius), width, height, radius);
  return mapU8(opened, (v, i) => (v && mask[i] ? 1 : 0));
}

/**
 * Area-averages a per-pixel value over a width × height image down to size × size (each output pixel is the mean of
 * the input pixels that fall in it): the working-size statistics the target rules compare with S3-Net's label map.
 */
export function poolToSize(width: number, height: number, size: number, valueAt: (i: number) => number): Float32Array {
  const sum = new Float64Array(size * size), n = new Uint32Array(size * size);
  for (let y = 0; y < height; y++) {
    const ty = Math.min(size - 1, Math.floor((y * size) / height));
    for (let x = 0; x < width; x++) {
      const t = ty * size + Math.min(size - 1, Math.floor((x * size) / width));
      sum[t] = (sum[t] as number) + valueAt(y * width + x);
      n[t] = (n[t] as number) + 1;
    }
  }
  const out = new Float32Array(sum.length);
  for (let i = 0; i < out.length; i++) out[i] = (sum[i] as number) / Math.max(1, n[i] as number);
  return out;
}

/**
 * Grey-level closing (dilation then erosion of the values, i.e. max then min) with a disc of the given radius in pixels:
 * dark structures thinner than the disc (hairs, ruler ticks) take the value of what surrounds them; larger dark
 * regions keep their outline.
 */
export function greyClose(values: Float32Array, width: number, height: number, radius: number): Float32Array {
  // The disc as one horizontal half-width per row offset.
  const r = Math.floor(radius);
  const half = Int32Array.from({ length: 2 * r + 1 }, (_, k) => Math.floor(Math.sqrt(Math.max(0, radius * radius + 1 - (k - r) ** 2))));
  const pass = (src: Float32Array, max: boolean): Float32Array => {
    const out = new Float32Array(src.length);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        let v = src[y * width + x] as number;
        for (let k = 0; k <= 2 * r; k++) {
          const ny = y + k - r;
          if (ny < 0 || ny >= height) continue;
          const h = half[k] as number, row = ny * width;
          for (let nx = Math.max(0, x - h), end = Math.min(width - 1, x + h); nx <= end; nx++) {
            const u = src[row + nx] as number;
            if (max ? u > v : u < v) v = u;
          }
        }
        out[y * width + x] = v;
      }
    }
    return out;
  };
  return pass(pass(values, true), false);
}

/**
 * Otsu's threshold of the values where keep(i) holds (a 256-bin histogram over [lo, hi]), and the separability
 * η = between-class / total variance (0: one flat level, 1: two pure levels). Values below the threshold form one class.
 */
export function otsu(values: Float32Array, keep: (i: number) => boolean, lo = 0, hi = 1): { threshold: number; separability: number } {
  const bins = 256, hist = new Float64Array(bins);
  let n = 0, sum = 0, sum2 = 0;
  for (let i = 0; i < values.length; i++) {
    if (!keep(i)) continue;
    const v = Math.min(hi, Math.max(lo, values[i] as number));
    const b = Math.min(bins - 1, Math.floor(((v - lo) / (hi - lo)) * bins));
    hist[b] = (hist[b] as number) + 1;
    n++;
    sum += b;
    sum2 += b * b;
  }
  if (n === 0) return { threshold: (lo + hi) / 2, separability: 0 };
  const total = sum2 / n - (sum / n) ** 2;
  let best = 0, bestBin = 0, w0 = 0, s0 = 0;
  for (let b = 0; b < bins - 1; b++) {
    w0 += hist[b] as number;
    s0 += b * (hist[b] as number);
    if (w0 === 0 || w0 === n) continue;
    const between = (w0 * (n - w0) * (s0 / w0 - (sum - s0) / (n - w0)) ** 2) / (n * n);
    if (between > best) {
      best = between;
      bestBin = b;
    }
  }
  return { threshold: lo + ((bestBin + 1) / bins) * (hi - lo), separability: total > 0 ? best / total : 0 };
}
