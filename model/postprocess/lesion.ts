// Ground-truth-free skin lesion (dermoscopy): S3-Net's clusters propose, the photo's colours decide, at native resolution;
// and one-click picking. selectLesion / pickAt / luminanceAt are the working-size rule the native ones build on.
import { borderCover, connectedComponents, countOnes, dilate, erode, fillHoles, greyClose, largestComponent, mapU8, open, otsu, poolToSize, resizeMask, selectComponents } from './components';
import { lesionConfidence } from './confidence';
import type { NativeTarget } from './target';
import type { RgbImage } from '../types';

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
  return poolToSize(width, height, size, (i) => 0.299 * (rgb[i * 3] as number) + 0.587 * (rgb[i * 3 + 1] as number) + 0.114 * (rgb[i * 3 + 2] as number));
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

/** Hairs and the bridges they make between the lesion and the vignette are thinner than 2·radius (≈ 2.3 % of the width). */
const BRIDGE_RADIUS = 0.012;
/** Wider bridges (a lesion merging with a dark corner) are tried with these multiples of the radius, in order. */
const RADIUS_STEPS = [1, 2, 4];

/**
 * Beyond this radius (1 = the ellipse inscribed in the image) lie the extreme corners: outside a contact
 * dermoscope's circular field of view, dark vignette rather than lesion. Measured on PH2 (15 images), cutting at
 * 1.0–1.45 changes the mean Dice by < 0.01; 1.2 keeps most of a lesion that fills the picture.
 */
const FIELD_OF_VIEW = 1.2;

/** Squared distance from the image centre, 1 on the ellipse inscribed in the image. */
function radius2(i: number, size: number): number {
  const c = (size - 1) / 2, x = i % size, y = (i - x) / size;
  return ((x - c) / (size / 2)) ** 2 + ((y - c) / (size / 2)) ** 2;
}

/**
 * How central a region is: the sum over its pixels of 1 − r², r being the distance from the image centre on the
 * ellipse inscribed in the image (0 outside it). Vignette corners lie outside that ellipse and weigh nothing.
 */
function centralWeight(size: number): Float32Array {
  return Float32Array.from({ length: size * size }, (_, i) => Math.max(0, 1 - radius2(i, size)));
}

/** The most central component of mask (by summed central weight) and whether it touches the border. */
function mostCentral(mask: Uint8Array, size: number, weight: Float32Array): { core: Uint8Array; touches: boolean; score: number } {
  const comps = connectedComponents(mask, size, size);
  const score = new Float64Array(comps.count + 1);
  comps.ids.forEach((id, i) => id && (score[id] = (score[id] as number) + (weight[i] as number)));
  let best = 0;
  for (let id = 1; id <= comps.count; id++) if ((score[id] as number) > (score[best] as number)) best = id;
  return { core: selectComponents(comps, (id) => id === best), touches: !!comps.touchesBorder[best], score: score[best] as number };
}

/**
 * The lesion: the darker clusters (mean luminance below the midpoint of the darkest and brightest cluster), opened so
 * that hairs and thin bridges no longer join the lesion to the vignette, then the most central component — central
 * weight ignores the corners, so a dark corner never wins over a lesion near the middle. If that component still
 * touches the border the opening is widened (a lesion merging with a dark corner separates); if it touches the border
 * at every width (large lesions, tight crops) the extreme corners (beyond FIELD_OF_VIEW) are cut from it. The core is
 * regrown within the dark pixels (so the outline follows the label map again) and its holes are filled.
 */
export function selectLesion(labels: Uint8Array, size: number, luminance: Float32Array): TargetMask {
  const stats = clusterStats(labels, luminance).sort((a, b) => a.meanLuminance - b.meanLuminance);
  if (stats.length < 2) return { mask: new Uint8Array(size * size), cluster: -1, confidence: 0 };
  const darkest = (stats[0] as ClusterStats).meanLuminance, brightest = (stats.at(-1) as ClusterStats).meanLuminance;
  const cut = (darkest + brightest) / 2;
  const darkIds = new Set(stats.filter((s) => s.meanLuminance < cut).map((s) => s.id));
  const dark = mapU8(labels, (l) => (darkIds.has(l) ? 1 : 0));
  const weight = centralWeight(size);
  const base = Math.max(1, Math.round(size * BRIDGE_RADIUS));
  let chosen: { core: Uint8Array; touches: boolean; radius: number } | undefined;
  for (const step of RADIUS_STEPS) {
    const radius = base * step;
    const found = mostCentral(open(dark, size, size, radius), size, weight);
    if (found.score === 0) break;
    chosen ??= { ...found, radius };
    if (!found.touches) {
      chosen = { ...found, radius };
      break;
    }
  }
  if (!chosen) {
    // The dark clusters are all thinner than the opening (a faint lesion caught by a sliver of a cluster): take them raw.
    const raw = mostCentral(dark, size, weight);
    if (raw.score === 0) return { mask: new Uint8Array(size * size), cluster: -1, confidence: 0 };
    chosen = { ...raw, radius: 0 };
  }
  // Only a region that still reaches the border loses the extreme corners (a lesion merged with the vignette).
  const inView = (i: number) => !chosen.touches || radius2(i, size) < FIELD_OF_VIEW ** 2;
  const core = chosen.touches ? largestComponent(mapU8(chosen.core, (v, i) => (v && inView(i) ? 1 : 0)), size, size) : chosen.core;
  // Regrow by the opening radius inside the dark pixels: the boundary follows the label map again, hairs stay cut.
  const grown = dilate(core, size, size, chosen.radius + 1);
  const regrown = mapU8(grown, (v, i) => (v && dark[i] && inView(i) ? 1 : 0));
  const mask = fillHoles(largestComponent(regrown, size, size), size, size);
  return { mask, cluster: dominantCluster(labels, mask), confidence: luminanceConfidence(mask, luminance, chosen.touches) };
}

/** Luminance contrast between a working-size region and the rest, discounted for tiny regions and border contact. */
function luminanceConfidence(mask: Uint8Array, luminance: Float32Array, touchesBorder: boolean): number {
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
 * One click: the connected component of the cluster under (x, y) (working-size coordinates), cleaned as the automatic
 * choice is — hairs and thin bridges opened away (so a click on the lesion does not bring the vignette along),
 * regrown within the cluster, holes filled. A click on something thinner than the opening (a hair) takes its raw
 * component. Returns an empty mask outside the image.
 */
export function pickAt(labels: Uint8Array, size: number, x: number, y: number): TargetMask {
  const xi = Math.floor(x), yi = Math.floor(y);
  if (xi < 0 || yi < 0 || xi >= size || yi >= size) return { mask: new Uint8Array(size * size), cluster: -1, confidence: 0 };
  const at = yi * size + xi;
  const cluster = labels[at] as number;
  const same = mapU8(labels, (l) => (l === cluster ? 1 : 0));
  const radius = Math.max(1, Math.round(size * BRIDGE_RADIUS));
  const opened = open(same, size, size, radius);
  let region = componentAt(same, size, at);
  if (opened[at]) {
    const grown = dilate(componentAt(opened, size, at), size, size, radius + 1);
    region = componentAt(mapU8(grown, (v, i) => (v && same[i] ? 1 : 0)), size, at);
  }
  return { mask: fillHoles(region, size, size), cluster, confidence: 1 };
}

/** The 8-connected component of mask containing pixel index at. */
function componentAt(mask: Uint8Array, size: number, at: number): Uint8Array {
  const comps = connectedComponents(mask, size, size);
  const id = comps.ids[at] as number;
  return selectComponents(comps, (c) => c === id);
}

// ---------------------------------------------------------------------------------------------------------------------
// Native resolution: S3-Net's clusters propose the lesion, the photograph's blue channel decides its extent and outline.

/** Working-size statistics of the photograph, area-averaged from native pixels in one pass. */
interface WorkingColour {
  readonly size: number;
  /** Mean luminance (the cluster rule's statistic). */
  readonly luminance: Float32Array;
  /**
   * Mean blue with hairs and ruler ticks closed away. Melanin absorbs most in the blue: on the 21 development photos
   * (PH2, ISIC 2017) blue separates the expert lesion from the skin around it better than luminance, green or
   * red/blue chromaticity (ROC AUC ≥ 0.97 on 20 of 21; IMD058, whose regression area is white, 0.88).
   */
  readonly blue: Float32Array;
}

/**
 * Radius (× size) of the grey closing that removes hairs and ruler ticks: dark lines up to ≈ 2 % of the photo's width.
 * 1, 2 or 3 px at 256 give PH2 / ISIC means within 0.002; without it the means lose 0.002 / 0.004 (the bridge opening
 * already cuts hairs off) but the synthetic hair test lets 79 % of the hair next to the outline in instead of 22 %.
 */
const HAIR_RADIUS = 0.008;
/**
 * The threshold is learnt in a window reaching this many equivalent radii beyond the current region, so a small
 * lesion is judged against the skin beside it, not the whole photo's shading (one global threshold: ISIC mean 0.61).
 * 0.7 or 2 change the PH2 / ISIC means by ≤ 0.001 / 0.002.
 */
const WINDOW = 1;
/**
 * Below this fraction of the photo a proposal is no lesion (≈ 8 px across at 256). S3-Net's proposal for
 * ISIC_0012288 is 1 px: its clusters do not separate that small lesion from the hairy skin around it.
 */
const MIN_REGION = 0.001;
/**
 * A lesion this much darker in blue than the skin around it is plainly visible (full marks for contrast). On the 21
 * development photos the contrast runs from 0.13 (IMD058, partly regressed) to 0.47; hair-free noisy skin gives ≈ 0.02.
 */
const FULL_CONTRAST = 0.2;
/** Working pixels either side of the region's outline where the interpolated colour decides (0.5 or 2: same Dice). */
const OUTLINE_BAND = 1;

function workingColour(image: RgbImage, size: number): WorkingColour {
  const { width, height, data } = image;
  const red = new Float64Array(size * size), green = new Float64Array(size * size), blue = new Float64Array(size * size);
  const rows = new Uint32Array(size);
  // The native columns of working column c are start[c] .. start[c + 1] − 1: each cell's run is summed in registers.
  const start = Int32Array.from({ length: size + 1 }, (_, c) => Math.ceil((c * width) / size));
  for (let y = 0; y < height; y++) {
    const cy = Math.min(size - 1, Math.floor((y * size) / height)), row = cy * size;
    rows[cy] = (rows[cy] as number) + 1;
    for (let c = 0; c < size; c++) {
      let r = 0, g = 0, b = 0;
      for (let i = (y * width + (start[c] as number)) * 3, end = (y * width + (start[c + 1] as number)) * 3; i < end; i += 3) {
        r += data[i] as number;
        g += data[i + 1] as number;
        b += data[i + 2] as number;
      }
      red[row + c] = (red[row + c] as number) + r;
      green[row + c] = (green[row + c] as number) + g;
      blue[row + c] = (blue[row + c] as number) + b;
    }
  }
  const luminance = new Float32Array(size * size), meanBlue = new Float32Array(size * size);
  for (let t = 0; t < luminance.length; t++) {
    const x = t % size, y = (t - x) / size, k = ((start[x + 1] as number) - (start[x] as number)) * (rows[y] as number);
    if (k > 0) {
      luminance[t] = (0.299 * (red[t] as number) + 0.587 * (green[t] as number) + 0.114 * (blue[t] as number)) / k;
      meanBlue[t] = (blue[t] as number) / k;
    } else {
      // A photo smaller than the working size: the nearest native pixel.
      const i = (Math.min(height - 1, Math.floor(((y + 0.5) * height) / size)) * width + Math.min(width - 1, Math.floor(((x + 0.5) * width) / size))) * 3;
      luminance[t] = 0.299 * (data[i] as number) + 0.587 * (data[i + 1] as number) + 0.114 * (data[i + 2] as number);
      meanBlue[t] = data[i + 2] as number;
    }
  }
  return { size, luminance, blue: greyClose(meanBlue, size, size, Math.max(1, HAIR_RADIUS * size)) };
}

interface Region {
  /** 0/1 at the working size. */
  readonly mask: Uint8Array;
  /** Blue below this is lesion. */
  readonly threshold: number;
  /** Mean blue of the skin around the region (its window) minus the region's: how much darker the lesion is. */
  readonly contrast: number;
}

/**
 * The lesion around a seed: blue below Otsu's threshold of the window around the current region, thin bridges opened
 * away, the part containing the anchor pixel (a click) or else the part the seed overlaps most, regrown within the
 * dark pixels, holes filled. Twice, so the second window fits the region rather than the seed. Undefined when nothing
 * dark is left, or the anchor is not in the region (a click on skin).
 */
function refine(colour: WorkingColour, seed: Uint8Array, anchor = -1): Region | undefined {
  const { size, blue } = colour;
  const radius = Math.max(1, Math.round(size * BRIDGE_RADIUS));
  let mask = seed, threshold = 0, window = seed;
  for (let pass = 0; pass < 2; pass++) {
    const area = countOnes(mask);
    if (area === 0) return undefined;
    window = dilate(mask, size, size, Math.max(radius, WINDOW * Math.sqrt(area / Math.PI)));
    threshold = otsu(blue, (i) => window[i] === 1).threshold;
    const dark = new Uint8Array(blue.length);
    for (let i = 0; i < blue.length; i++) dark[i] = (blue[i] as number) < threshold ? 1 : 0;
    const comps = connectedComponents(open(dark, size, size, radius), size, size);
    let best = anchor >= 0 ? (comps.ids[anchor] as number) : 0;
    if (!best) {
      const overlap = new Float64Array(comps.count + 1);
      comps.ids.forEach((id, i) => id && mask[i] && (overlap[id] = (overlap[id] as number) + 1));
      for (let id = 1; id <= comps.count; id++) if ((overlap[id] as number) > (overlap[best] as number)) best = id;
    }
    // Thinner than the opening everywhere (a tiny or threadlike region): the seed's own dark pixels.
    const core = best ? selectComponents(comps, (id) => id === best) : mapU8(mask, (v, i) => v & (dark[i] as number));
    const grown = dilate(core, size, size, radius + 1);
    for (let i = 0; i < grown.length; i++) grown[i] = (grown[i] as number) & (dark[i] as number);
    mask = fillHoles(largestComponent(grown, size, size), size, size);
  }
  if (anchor >= 0 && !mask[anchor]) return undefined;
  let inside = 0, insideSum = 0, around = 0, aroundSum = 0;
  for (let i = 0; i < mask.length; i++) {
    if (mask[i]) {
      inside++;
      insideSum += blue[i] as number;
    } else if (window[i]) {
      around++;
      aroundSum += blue[i] as number;
    }
  }
  if (inside === 0) return undefined;
  return { mask, threshold, contrast: around ? aroundSum / around - insideSum / inside : 0 };
}

/** The most central dark blob of the whole photo (Otsu of the closed blue): the seed when S3-Net's proposal fails. */
function colourSeed(colour: WorkingColour): Uint8Array {
  const { size, blue } = colour;
  const { threshold } = otsu(blue, () => true);
  const dark = mapU8(blue, (v) => (v < threshold ? 1 : 0));
  return mostCentral(open(dark, size, size, Math.max(1, Math.round(size * BRIDGE_RADIUS))), size, centralWeight(size)).core;
}

/**
 * The region at native resolution, one byte per pixel and nothing else of that size: away from the outline the
 * working mask; within OUTLINE_BAND of it the hair-free blue field, interpolated bilinearly, against the region's
 * threshold, so the outline falls between working pixels where the colour crosses over. (Deciding on each native
 * pixel's own blue instead — raw, hair-guarded or box-smoothed — measured 0.002–0.005 lower on PH2 and ISIC: native
 * texture and noise make the outline ragged where the experts draw it smooth.)
 */
function toNative(colour: WorkingColour, region: Region, width: number, height: number): Uint8Array {
  const { size, blue } = colour;
  const inner = erode(region.mask, size, size, OUTLINE_BAND), outer = dilate(region.mask, size, size, OUTLINE_BAND);
  const out = new Uint8Array(width * height);
  const t = region.threshold;
  // Native columns where each working column starts, and each native column's interpolation position.
  const start = Int32Array.from({ length: size + 1 }, (_, c) => Math.ceil((c * width) / size));
  const fx = Float32Array.from({ length: width }, (_, x) => Math.min(Math.max(((x + 0.5) * size) / width - 0.5, 0), size - 1));
  for (let y = 0; y < height; y++) {
    const row = Math.min(size - 1, Math.floor((y * size) / height)) * size;
    const fy = Math.min(Math.max(((y + 0.5) * size) / height - 0.5, 0), size - 1);
    const y0 = Math.floor(fy) * size, y1 = Math.min(Math.floor(fy) + 1, size - 1) * size, wy = fy - Math.floor(fy);
    const line = y * width;
    for (let c = 0; c < size; c++) {
      const from = start[c] as number, to = start[c + 1] as number;
      if (inner[row + c] || !outer[row + c]) {
        if (inner[row + c]) out.fill(1, line + from, line + to);
        continue;
      }
      for (let x = from; x < to; x++) {
        const u = fx[x] as number, x0 = Math.floor(u), x1 = Math.min(x0 + 1, size - 1), wx = u - x0;
        const top = (1 - wx) * (blue[y0 + x0] as number) + wx * (blue[y0 + x1] as number);
        const bottom = (1 - wx) * (blue[y1 + x0] as number) + wx * (blue[y1 + x1] as number);
        out[line + x] = (1 - wy) * top + wy * bottom < t ? 1 : 0;
      }
    }
  }
  return out;
}

/** Which cluster most of a working-size mask came from (−1 for an empty mask), for the app's display and the CLI. */
function dominantCluster(labels: Uint8Array, mask: Uint8Array): number {
  const votes = new Map<number, number>();
  mask.forEach((v, i) => v && votes.set(labels[i] as number, (votes.get(labels[i] as number) ?? 0) + 1));
  return [...votes].sort((a, b) => b[1] - a[1])[0]?.[0] ?? -1;
}

/**
 * How much to trust a region without looking, 0..1, the product of: contrast (how much darker in blue than the skin
 * around it), support (how well S3-Net's own proposal agrees; a fallback has none), extent (under 1 % or over 65 % of
 * the photo is doubtful) and border contact (a lesion cut by the border is only partly seen).
 */
function confidenceOf(region: Region, size: number, proposal: Uint8Array | undefined): number {
  const area = countOnes(region.mask), fraction = area / (size * size);
  const contrast = Math.min(1, Math.max(0, region.contrast / FULL_CONTRAST));
  let both = 0;
  if (proposal) region.mask.forEach((v, i) => v && proposal[i] && both++);
  const agreement = proposal ? (2 * both) / (area + countOnes(proposal)) : 0;
  const support = 0.3 + 0.7 * agreement;
  const extent = Math.min(1, fraction / 0.01) * Math.min(1, Math.max(0.2, (0.95 - fraction) / 0.3));
  const border = 1 - 0.3 * Math.min(1, borderCover(region.mask, size, size) / 0.25);
  return Math.max(0, Math.min(1, contrast * support * extent * border));
}

/** Dice of two working-size masks (0 when both are empty). */
function diceOf(a: Uint8Array, b: Uint8Array): number {
  let both = 0;
  a.forEach((v, i) => v && b[i] && both++);
  const total = countOnes(a) + countOnes(b);
  return total ? (2 * both) / total : 0;
}

const empty = (width: number, height: number): NativeTarget => ({ mask: new Uint8Array(width * height), width, height, cluster: -1, confidence: 0 });

/**
 * The lesion at the photograph's native resolution (width × height of image). S3-Net's proposal (selectLesion) seeds
 * it; blue, hair-closed, below a threshold learnt around the region decides its extent; the outline is placed at
 * native resolution. When the clusters propose nothing lesion-sized the most central dark blob of the photo is the
 * seed instead, and the confidence is lower.
 */
export function lesionTarget(labels: Uint8Array, size: number, image: RgbImage): NativeTarget {
  const { width, height } = image;
  const colour = workingColour(image, size);
  const minArea = MIN_REGION * size * size;
  const proposal = selectLesion(labels, size, colour.luminance).mask;
  let region = countOnes(proposal) >= minArea ? refine(colour, proposal) : undefined;
  let supported = true;
  if (!region || countOnes(region.mask) < minArea) {
    supported = false;
    region = refine(colour, colourSeed(colour));
  }
  if (!region) return empty(width, height);
  const mask = toNative(colour, region, width, height);
  // The confidence is the mask's and the photo's (model/postprocess/confidence.ts), whoever proposed it.
  const support = supported ? diceOf(region.mask, proposal) : 0;
  return { mask, width, height, cluster: dominantCluster(labels, region.mask), confidence: lesionConfidence(mask, image, { support }).confidence };
}

/**
 * One click at native (x, y). On the lesion side of the colour threshold (a click on a lesion, even one S3-Net's
 * clusters merged with the skin): the lesion region containing the click, found and outlined as lesionTarget does,
 * seeded with the clicked cluster's component. Elsewhere (skin, a hair, the vignette): that component as pickAt
 * cleans it, brought to native resolution. Empty outside the image.
 */
export function pickTarget(labels: Uint8Array, size: number, image: RgbImage, x: number, y: number): NativeTarget {
  const { width, height } = image;
  if (!(x >= 0 && y >= 0 && x < width && y < height)) return empty(width, height);
  const wx = Math.min(size - 1, Math.floor(((Math.floor(x) + 0.5) * size) / width));
  const wy = Math.min(size - 1, Math.floor(((Math.floor(y) + 0.5) * size) / height));
  const picked = pickAt(labels, size, wx, wy);
  const colour = workingColour(image, size);
  const region = refine(colour, picked.mask, wy * size + wx);
  if (region) {
    const confidence = confidenceOf(region, size, picked.mask);
    return { mask: toNative(colour, region, width, height), width, height, cluster: dominantCluster(labels, region.mask), confidence };
  }
  const touches = borderCover(picked.mask, size, size) > 0;
  return {
    mask: resizeMask(picked.mask, size, size, width, height),
    width,
    height,
    cluster: picked.cluster,
    confidence: luminanceConfidence(picked.mask, colour.luminance, touches),
  };
}
