// Stopgap label-map post-processing until model/postprocess lands: upsampling, proposal rule, click-to-pick.

/** Nearest-neighbour map from native pixel (x, y) to the label map's working grid. */
function labelAt(labels: Uint8Array, size: number, width: number, height: number, x: number, y: number): number {
  const lx = Math.min(size - 1, Math.floor(((x + 0.5) * size) / width));
  const ly = Math.min(size - 1, Math.floor(((y + 0.5) * size) / height));
  return labels[ly * size + lx] ?? 0;
}

function clusterMask(labels: Uint8Array, size: number, width: number, height: number, cluster: number): Uint8Array {
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) out[y * width + x] = labelAt(labels, size, width, height, x, y) === cluster ? 1 : 0;
  return out;
}

/** 4-connected component of mask containing (x, y). */
function componentAt(mask: Uint8Array, width: number, height: number, x: number, y: number): Uint8Array {
  const out = new Uint8Array(width * height);
  if (!mask[y * width + x]) return out;
  const stack = [y * width + x];
  out[y * width + x] = 1;
  while (stack.length) {
    const i = stack.pop() ?? 0;
    const cx = i % width;
    const n = [cx > 0 ? i - 1 : -1, cx < width - 1 ? i + 1 : -1, i - width, i + width];
    for (const j of n) {
      if (j >= 0 && j < out.length && mask[j] && !out[j]) {
        out[j] = 1;
        stack.push(j);
      }
    }
  }
  return out;
}

export function pickMask(labels: Uint8Array, size: number, width: number, height: number, x: number, y: number, what: 'cluster' | 'component'): Uint8Array {
  const mask = clusterMask(labels, size, width, height, labelAt(labels, size, width, height, x, y));
  return what === 'cluster' ? mask : componentAt(mask, width, height, x, y);
}

/**
 * GT-free proposal: the darkest cluster (by the given grey values), keeping only components that do not touch the
 * image border (vignette corners on dermoscopy, outside air on CT).
 */
export function proposeMask(labels: Uint8Array, size: number, grey: Float32Array, width: number, height: number): Uint8Array {
  const sum = new Float64Array(256);
  const count = new Float64Array(256);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const l = labelAt(labels, size, width, height, x, y);
      sum[l] = (sum[l] ?? 0) + (grey[y * width + x] ?? 0);
      count[l] = (count[l] ?? 0) + 1;
    }
  let best = -1;
  let bestMean = Infinity;
  for (let l = 0; l < 256; l++) {
    const c = count[l] ?? 0;
    if (c > width * height * 0.01 && (sum[l] ?? 0) / c < bestMean) {
      bestMean = (sum[l] ?? 0) / c;
      best = l;
    }
  }
  const mask = clusterMask(labels, size, width, height, best);
  // Remove components touching the border by flooding from every border pixel.
  for (let x = 0; x < width; x++) for (const y of [0, height - 1]) if (mask[y * width + x]) clear(mask, componentAt(mask, width, height, x, y));
  for (let y = 0; y < height; y++) for (const x of [0, width - 1]) if (mask[y * width + x]) clear(mask, componentAt(mask, width, height, x, y));
  return mask;
}

function clear(mask: Uint8Array, component: Uint8Array): void {
  for (let i = 0; i < mask.length; i++) if (component[i]) mask[i] = 0;
}
