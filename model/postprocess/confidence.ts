// How likely a proposal needs correction, from the mask and the image alone (optionally the rule's own evidence), so
// any proposer — the rules today, prompted S3-Net tomorrow — gets the same honest confidence. Each signal is 0..1.
import { borderCover, countOnes, dilate, greyClose, poolToSize } from './components';
import { closeEachComponent, labelComponents } from './morphology-extra';
import type { RgbImage } from '../types';

export interface Confidence {
  /** 0..1: the product of the signals (low = look at this one first). */
  readonly confidence: number;
  /** The signals it is made of, for reports and the review queue's tooltip. */
  readonly signals: Readonly<Record<string, number>>;
}

const clamp01 = (x: number) => Math.max(0, Math.min(1, x));
/** The working grid: the photo area-averaged to about this many pixels on its longest side. */
const GRID = 256;

/** Below this blue contrast (skin minus mask) a proposal is barely visible: plain skin gives ≈ 0.02, PH2 lesions ≥ 0.1. */
const FAINT_CONTRAST = 0.1;
/** S3-Net's proposal agreeing this well (Dice) with the mask is full support. */
const FULL_SUPPORT = 0.5;
/** Stability (see lesionConfidence) at which trust starts, and its span to full trust. */
const STABLE_FROM = 0.5, STABLE_SPAN = 0.45;

/** What a proposer may add to the mask and the photo. */
export interface LesionEvidence {
  /** The proposer's own confidence, joining as a square-root factor. */
  readonly ruleConfidence?: number;
  /**
   * Agreement (Dice, 0..1) of an independent proposal — S3-Net's clusters — with this mask; 0 when they proposed
   * nothing lesion-sized. Joins as 0.3 + 0.7 × min(1, support / 0.5): only a real disagreement counts (the full
   * 0.3 + 0.7 × support caught 63 % instead of 88 % of the poor ph2-extra proposals: partial agreement is normal).
   */
  readonly support?: number;
}

/**
 * A dermoscopy proposal's confidence from the mask (native 0/1) and the photo (RGB in [0, 1]), on a working grid:
 * - stability, the margin of the decision (the main signal): in a window of the mask and a ring of skin around it (half
 *   its equivalent radius wide), blue (melanin absorbs most there; hairs closed away) is cut midway between the mask's
 *   mean and the ring's; stability is the area darker than the cut moved by a tenth of their gap towards the mask over
 *   the area darker than the cut moved as far the other way. A sharp outline barely changes; a lesion fading into the
 *   skin (a regression zone, a pale rim an expert may include) swings, and there the outline is a matter of judgement.
 *   Alone it ranks the 28 first ph2-extra proposals by Dice with Spearman 0.72 (the lesion rule's own confidence: 0.39);
 * - contrast: a mask barely darker than the skin around it (plain skin, a faint lesion) is doubtful;
 * - border: a lesion cut by the photo's edge is only partly seen (a mild factor: experts outline what is visible);
 * - extent: under 1 % of the photo is doubtful; centrality: a mask centred in the extreme corners is likely vignette.
 * Measured on ph2-extra, multiplying by the lesion rule's confidence (S3-Net's support, contrast, size), by Fisher's
 * separation of the split or by a second colour cue (red − blue) ranked worse, and so did penalising large lesions;
 * they are left out. Evidence: S3-Net's `support` and, if a caller wants it, its own confidence.
 */
export function lesionConfidence(mask: Uint8Array, image: RgbImage, evidence: LesionEvidence = {}): Confidence {
  const { width, height, data } = image;
  if (mask.length !== width * height || data.length !== 3 * width * height) throw new RangeError('lesionConfidence: mask or image of the wrong size');
  const area = countOnes(mask);
  if (area === 0 || area === mask.length) return { confidence: 0, signals: { extent: area ? 1 : 0 } };
  // A square working grid (as the rules use): area-averaged colour, the mask's share per cell.
  const size = Math.min(GRID, Math.max(width, height));
  const blue = greyClose(poolToSize(width, height, size, (i) => data[3 * i + 2] as number), size, size, Math.max(1, 0.008 * size));
  const m = Uint8Array.from(poolToSize(width, height, size, (i) => mask[i] as number), (v) => (v >= 0.5 ? 1 : 0));
  const cells = countOnes(m);
  if (cells === 0) return { confidence: 0, signals: { extent: area / mask.length } };
  const window = dilate(m, size, size, Math.max(2, 0.5 * Math.sqrt(cells / Math.PI)));
  let nIn = 0, nOut = 0, sIn = 0, sOut = 0;
  for (let i = 0; i < m.length; i++) {
    if (!window[i]) continue;
    if (m[i]) { nIn++; sIn += blue[i] as number; } else { nOut++; sOut += blue[i] as number; }
  }
  const meanIn = sIn / nIn, meanOut = nOut ? sOut / nOut : meanIn;
  const gap = meanOut - meanIn, cut = (meanIn + meanOut) / 2, delta = 0.1 * Math.max(1e-3, gap);
  let tight = 0, loose = 0;
  for (let i = 0; i < m.length; i++) {
    if (!window[i]) continue;
    const b = blue[i] as number;
    if (b < cut - delta) tight++;
    if (b < cut + delta) loose++;
  }
  const stability = loose ? tight / loose : 0;
  const margin = clamp01((stability - STABLE_FROM) / STABLE_SPAN);
  const contrast = clamp01(gap / FAINT_CONTRAST);
  const border = 1 - 0.15 * Math.min(1, borderCover(m, size, size) / 0.2);
  const extent = Math.min(1, area / mask.length / 0.01);
  let cx = 0, cy = 0;
  for (let i = 0; i < m.length; i++) if (m[i]) { cx += i % size; cy += Math.floor(i / size); }
  const c = (size - 1) / 2, r2 = ((cx / cells - c) / (size / 2)) ** 2 + ((cy / cells - c) / (size / 2)) ** 2;
  const centrality = r2 < 0.5 ? 1 : clamp01(1 - (r2 - 0.5));
  const rule = (evidence.ruleConfidence === undefined ? 1 : Math.sqrt(clamp01(evidence.ruleConfidence)))
    * (evidence.support === undefined ? 1 : 0.3 + 0.7 * clamp01(evidence.support / FULL_SUPPORT));
  const signals = { stability, contrast, border, extent, centrality, rule };
  return { confidence: clamp01(margin * contrast * border * extent * centrality * rule), signals };
}

/**
 * The rolling ball's radius as a share of the lungs' equivalent diameter. 0.05 bridges only one of the four notches the
 * LIDC-IDRI-0001 nodule leaves (its mouth is ≈ 35 px wide); 0.08 all four; 0.11 starts to bridge hilar notches on
 * LIDC-IDRI-0002/0003, slices without nodules.
 */
const BALL_SHARE = 0.08;
/** A thick notch of this share of the lung area halves the confidence. */
const FULL_NOTCH = 0.015;
/** Soft tissue and partial volume at the lung wall: between parenchyma and bone. */
const WALL_TISSUE_HU: readonly [number, number] = [-500, 300];

/**
 * A chest CT lung proposal's confidence from the mask and the slice's Hounsfield units. The rule's evidence
 * (`ruleConfidence`: lung extent, both sides, S3-Net's agreement) is the base; on top, part-volume structures at the
 * lung wall that the mask leaves out lower it. A rolling ball (a closing of each lung with a disc of radius ≈ 8 % of
 * the lungs' equivalent diameter) bridges notches in the outline; the soft tissue it bridges in one place, if it
 * holds a disc of ≈ 3 mm-radius (a nodule, not the pleura's fine ripple), is a structure a radiologist would draw
 * inside the lung (a juxtapleural nodule) or a notch the rule cut: the larger that notch relative to the lung, the
 * lower the confidence (down to half).
 */
export function lungConfidence(
  mask: Uint8Array, hu: ArrayLike<number>, width: number, height: number, evidence: { ruleConfidence?: number; pixelSpacingMm?: number; ballShare?: number } = {},
): Confidence {
  if (mask.length !== width * height || hu.length !== width * height) throw new RangeError('lungConfidence: mask or HU of the wrong size');
  const area = countOnes(mask);
  if (!area) return { confidence: 0, signals: { extent: 0 } };
  const base = evidence.ruleConfidence === undefined ? 1 : clamp01(evidence.ruleConfidence);
  const radius = Math.max(3, Math.round((evidence.ballShare ?? BALL_SHARE) * 2 * Math.sqrt(area / Math.PI)));
  const closed = closeEachComponent(mask, width, height, radius, 0.002 * area);
  const notch = new Uint8Array(mask.length);
  for (let i = 0; i < mask.length; i++) {
    const v = hu[i] as number;
    notch[i] = closed[i] && !mask[i] && v >= (WALL_TISSUE_HU[0] as number) && v <= (WALL_TISSUE_HU[1] as number) ? 1 : 0;
  }
  const parts = labelComponents(notch, width, height, 8);
  // A notch counts when it is thick: it holds a disc of the nodule radius (≈ 3 mm), not a thin rim of partial volume.
  const noduleRadius = Math.max(2, Math.round(3 / (evidence.pixelSpacingMm ?? 0.7)));
  const deep = openThick(notch, width, height, noduleRadius);
  const thick = new Float64Array(parts.count + 1);
  for (let i = 0; i < notch.length; i++) if (deep[i]) thick[parts.ids[i] as number] = (thick[parts.ids[i] as number] as number) + 1;
  let worst = 0;
  for (let id = 1; id <= parts.count; id++) if ((thick[id] as number) > 0) worst = Math.max(worst, parts.sizes[id] as number);
  const notchShare = worst / area;
  // 1.5 % of the lung area in one thick notch halves the trust: the LIDC-IDRI-0001 nodule, cut out on 4 slices, leaves
  // notches of 1.2–1.6 %; the 35 other LIDC slices 0–0.9 %.
  const wall = 1 - 0.5 * clamp01(notchShare / FULL_NOTCH);
  return { confidence: clamp01(base * wall), signals: { rule: base, wall, notchShare } };
}

/** The pixels of mask that a disc of the given radius fits into (erosion by a disc, square-distance metric). */
function openThick(mask: Uint8Array, width: number, height: number, radius: number): Uint8Array {
  // Erosion is enough to test "holds a disc": a pixel survives if the whole disc around it lies in the mask.
  const inverse = Uint8Array.from(mask, (v) => (v ? 0 : 1));
  const near = dilate(inverse, width, height, radius);
  return Uint8Array.from(near, (v, i) => (mask[i] && !v ? 1 : 0));
}
