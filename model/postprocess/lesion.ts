// Ground-truth-free choice of the skin lesion among S3-Net's clusters (dermoscopy), and one-click picking.
import { connectedComponents, countOnes, fillHoles, largestComponent, selectComponents } from './components';

export interface TargetMask {
  /** 0/1 mask at the working size (size × size). */
  readonly mask: Uint8Array;
  /** The S3-Net cluster the mask was taken from (−1 when nothing was found). */
  readonly cluster: number;
  /** 0..1: how clearly the chosen region stands out (contrast, size and not touching the border). */
  readonly confidence: number;
}

/** Mean luminance per working-size pixel from a native RGB image, by area averaging (no aliasing). */
export function luminanceAt(rgb: Float32Array, width: number, height: number, size: number): Float32Array {
  const sum = new Float64Array(size * size), n = new Uint32Array(size * size);
  for (let y = 0; y < height; y++) {
    const ty = Math.min(size - 1, Math.floor((y * size) / height));
    for (let x = 0; x < width; x++) {
      const tx = Math.min(size - 1, Math.floor((x * size) / width));
      const i = (y * width + x) * 3;
      const t = ty * size + tx;
      sum[t] = (sum[t] as number) + 0.299 * (rgb[i] as number) + 0.587 * (rgb[i + 1] as number) + 0.114 * (rgb[i + 2] as number);
      n[t] = (n[t] as number) + 1;
    }
  }
  return Float32Array.from(sum, (s, i) => s / Math.max(1, n[i] as number));
}

interface ClusterStats {
  readonly id: number;
  readonly count: number;
  readonly meanLuminance: number;
}

function clusterStats(labels: Uint8Array, luminance: Float32Array): ClusterStats[] {
  const count = new Map<number, number>(), sum = new Map<number, number>();
  labels.forEach((l, i) => {
    count.set(l, (count.get(l) ?? 0) + 1);
    sum.set(l, (sum.get(l) ?? 0) + (luminance[i] as number));
  });
  return [...count].map(([id, n]) => ({ id, count: n, meanLuminance: (sum.get(id) as number) / n }));
}

/**
 * The lesion: the darker clusters (mean luminance below the midpoint of the darkest and brightest cluster), split
 * into connected components; components touching the image border are dropped (vignette corners, hair at the edge),
 * the largest remaining one is kept and its holes filled. A lesion that itself touches the border (large lesions,
 * tight crops) is kept when no inner component of reasonable size exists.
 */
export function selectLesion(labels: Uint8Array, size: number, luminance: Float32Array): TargetMask {
  const stats = clusterStats(labels, luminance).sort((a, b) => a.meanLuminance - b.meanLuminance);
  if (stats.length < 2) return { mask: new Uint8Array(size * size), cluster: -1, confidence: 0 };
  const darkest = (stats[0] as ClusterStats).meanLuminance, brightest = (stats.at(-1) as ClusterStats).meanLuminance;
  const cut = (darkest + brightest) / 2;
  const darkIds = new Set(stats.filter((s) => s.meanLuminance < cut).map((s) => s.id));
  const dark = Uint8Array.from(labels, (l) => (darkIds.has(l) ? 1 : 0));
  const comps = connectedComponents(dark, size, size);
  const minArea = 0.005 * size * size;
  let best = 0;
  for (let id = 1; id <= comps.count; id++) {
    if (comps.touchesBorder[id] || (comps.sizes[id] as number) < minArea) continue;
    if (!best || (comps.sizes[id] as number) > (comps.sizes[best] as number)) best = id;
  }
  let chosen: Uint8Array;
  let touches = false;
  if (best) chosen = selectComponents(comps, (id) => id === best);
  else {
    chosen = largestComponent(dark, size, size);
    touches = true;
  }
  const mask = fillHoles(chosen, size, size);
  // The cluster most of the mask came from, for the app's display and the CLI's report.
  const votes = new Map<number, number>();
  mask.forEach((v, i) => v && votes.set(labels[i] as number, (votes.get(labels[i] as number) ?? 0) + 1));
  const cluster = [...votes].sort((a, b) => b[1] - a[1])[0]?.[0] ?? -1;
  return { mask, cluster, confidence: confidenceOf(mask, luminance, touches) };
}

/** Contrast between the region and its surroundings, discounted for tiny regions and border contact. */
function confidenceOf(mask: Uint8Array, luminance: Float32Array, touchesBorder: boolean): number {
  const area = countOnes(mask);
  if (area === 0 || area === mask.length) return 0;
  let inside = 0, outside = 0;
  mask.forEach((v, i) => (v ? (inside += luminance[i] as number) : (outside += luminance[i] as number)));
  const contrast = Math.max(0, outside / (mask.length - area) - inside / area);
  const fraction = area / mask.length;
  const sizeFactor = Math.min(1, fraction / 0.02) * Math.min(1, (0.9 - fraction) / 0.2);
  return Math.max(0, Math.min(1, (contrast / 0.3) * Math.max(0, sizeFactor) * (touchesBorder ? 0.6 : 1)));
}

/**
 * One click: the connected component of the cluster under (x, y) (working-size coordinates), holes filled — the
 * same clean-up as the automatic choice. Returns an empty mask outside the image.
 */
export function pickAt(labels: Uint8Array, size: number, x: number, y: number): TargetMask {
  const xi = Math.floor(x), yi = Math.floor(y);
  if (xi < 0 || yi < 0 || xi >= size || yi >= size) return { mask: new Uint8Array(size * size), cluster: -1, confidence: 0 };
  const cluster = labels[yi * size + xi] as number;
  const same = Uint8Array.from(labels, (l) => (l === cluster ? 1 : 0));
  const comps = connectedComponents(same, size, size);
  const id = comps.ids[yi * size + xi] as number;
  const mask = fillHoles(selectComponents(comps, (c) => c === id), size, size);
  return { mask, cluster, confidence: 1 };
}
