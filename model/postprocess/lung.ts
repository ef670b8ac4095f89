// Ground-truth-free lungs on a chest CT slice, from Hounsfield units and S3-Net's clusters.
import { poolToSize } from './components';
import { chamferDistance, closeEachComponent, fillAllHoles, labelComponents, labelHoles, openDisc } from './morphology-extra';
import { lungConfidence } from './confidence';
import type { NativeTarget } from './target';

/** Area-averaged single-channel values at the working size (HU for CT). */
/** Hounsfield units as the app holds them (Int16, exact for CT) or as the CLI decodes them (Float32): never copied. */
export type HuValues = Float32Array | Int16Array;

export function meanPool(values: Float32Array, width: number, height: number, size: number): Float32Array {
  return poolToSize(width, height, size, (i) => values[i] as number);
}

/** The lung rule's thresholds: HU values are absolute, sizes are fractions of the body's cross-section. */
export interface LungRuleOptions {
  /** Below this: reconstruction padding outside the scanner's field of view (−2048, −3024), neither air nor tissue. */
  readonly paddingHu: number;
  /** Lung cores: parenchyma (≈ −850) and air, apart from soft tissue even through partial volume (bronchial walls). */
  readonly coreHu: number;
  /** Where the outline is drawn: expert contours lie one or two pixels outside the −500 iso-line. */
  readonly edgeHu: number;
  /** How far (fraction of √body area) the outline may reach beyond a lung core: the rim and denser dependent lung. */
  readonly edgeReach: number;
  /** A region whose interior median is below this is pure air (trachea, bowel gas, outside air), not parenchyma. */
  readonly pureAirHu: number;
  /** Regions smaller than this (fraction of the body) face the stricter tests below; larger ones are lungs unless pure air. */
  readonly largeRegion: number;
  /** A small region whose interior 10th percentile is below this holds pure air (gas with stool, a bronchus). */
  readonly airFloorHu: number;
  /** A small region with a median below dimAirHu, airContrast HU darker than the largest region (a lung), is gas. */
  readonly dimAirHu: number;
  readonly airContrast: number;
  /** A small region between the lungs this much darker than the largest one is the trachea or a main bronchus. */
  readonly airwayContrast: number;
  /** Regions of parenchyma smaller than this (fraction of the body) are not lungs on their own. */
  readonly minLungArea: number;
  /** Regions of air smaller than this (fraction of the body) are too small to judge: they only join as holes. */
  readonly minRegionArea: number;
  /** The share of a lung region more than two pixels from its edge (slivers of air between arm and chest have none). */
  readonly minInterior: number;
  /** A lung region's mean depth inside the body (fraction of √body area): the chest wall lies between it and the skin. */
  readonly minDepth: number;
  /** Radius of the closing that brings in hilar vessels and small juxtapleural nodules (fraction of √body area). */
  readonly closeRadius: number;
  /** Holes up to this size (fraction of the body: vessels, nodules) are filled; larger ones (a tumour, the hilum) are not. */
  readonly maxHoleArea: number;
}

export const DEFAULT_LUNG_RULE: LungRuleOptions = {
  paddingHu: -1500,
  coreHu: -500,
  edgeHu: -250,
  edgeReach: 0.02,
  pureAirHu: -950,
  largeRegion: 0.02,
  airFloorHu: -960,
  dimAirHu: -900,
  airContrast: 100,
  airwayContrast: 25,
  minLungArea: 0.002,
  minRegionArea: 0.0008,
  minInterior: 0.25,
  minDepth: 0.02,
  closeRadius: 0.02,
  maxHoleArea: 0.004,
};

/** Confidence factor where S3-Net's clusters do not separate air from tissue: between disagreeing (0.5) and agreeing (1). */
const UNINFORMED = 0.75;
/** Region histograms: 10-HU bins from −1100 to −500 (values beyond fall in the end bins). */
const HU_LOW = -1100, HU_BIN = 10, HU_BINS = 60;

/** A crop of the slice around the body: HU and interior, with the working-size cell of each column and row. */
interface BodyCrop {
  readonly x0: number;
  readonly y0: number;
  readonly w: number;
  readonly h: number;
  readonly hu: Float32Array;
  readonly inside: Uint8Array;
  /** Distance to the body's outline in native pixels, from the coarse grid (0 outside). */
  readonly depth: Float32Array;
  readonly area: number;
  readonly centreX: number;
  readonly centreY: number;
  readonly cellX: Int32Array;
  readonly cellY: Int32Array;
}

/**
 * The lungs at native resolution, from Hounsfield units and S3-Net's clusters.
 * 1. The body: the largest region of tissue (≥ −500 HU) after an opening that cuts the table's thin shell and
 *    blankets from it; its holes are the air inside the body (outside air, the table's gap and padding are not).
 * 2. Each region of air inside the body is a lung if its interior is parenchyma, not pure air (trachea, bronchi,
 *    bowel gas, outside-air pockets fall out here, wherever they are), and if it lies behind the chest wall; air
 *    between the lungs, darker than they are, is an airway and is cut out of the result with its wall.
 * 3. The outline: lung cores grown into their rim and dependent lung up to −250 HU (where expert contours lie),
 *    closed by a small disc per lung so hilar vessels and small juxtapleural nodules come in, small holes (vessels,
 *    nodules) filled; large holes (a tumour, the hilum) and holes holding an airway stay open, as the expert RT
 *    contours leave them.
 * Confidence falls when the lungs are a small part of the body, one-sided, or outside S3-Net's air-like clusters
 * (the share of the mask in them); the reported cluster is the one most of the mask lies in.
 * `labels` is S3-Net's label map (size × size), `hu` the slice's Hounsfield units (width × height).
 */
export function lungTarget(
  labels: Uint8Array, size: number, hu: HuValues, width: number, height: number, options: Partial<LungRuleOptions> = {},
): NativeTarget {
  const o = { ...DEFAULT_LUNG_RULE, ...options };
  if (labels.length !== size * size || hu.length !== width * height) throw new Error('lungTarget: labels or HU of the wrong size');
  const mask = new Uint8Array(width * height);
  const cellX = Int32Array.from({ length: width }, (_, x) => Math.min(size - 1, Math.floor((x * size) / width)));
  const cellY = Int32Array.from({ length: height }, (_, y) => Math.min(size - 1, Math.floor((y * size) / height)) * size);
  const clusters = airLikeClusters(labels, hu, width, height, cellX, cellY, o);
  const body = findBody(hu, width, height, cellX, cellY, o);
  const lungs = body && lungsInBody(body, o);
  if (!body || !lungs) return { mask, width, height, cluster: -1, confidence: 0 };
  for (let y = 0; y < body.h; y++) mask.set(lungs.subarray(y * body.w, (y + 1) * body.w), (y + body.y0) * width + body.x0);
  const { cluster, confidence } = provenance(lungs, body, labels, clusters);
  // The rule's evidence, lowered where the outline leaves part-volume structures at the lung wall out (confidence.ts).
  return { mask, width, height, cluster, confidence: lungConfidence(mask, hu, width, height, { ruleConfidence: confidence }).confidence };
}

interface Clusters {
  /** 1 for each cluster id most of whose pixels are below coreHu. */
  readonly air: Uint8Array;
  /** False when all clusters are alike (one cluster, or air and tissue merged): S3-Net then cannot vote. */
  readonly informative: boolean;
}

/** Which clusters are air-like. Padding does not vote (S3-Net often gives it a cluster of its own). */
function airLikeClusters(
  labels: Uint8Array, hu: HuValues, width: number, height: number, cellX: Int32Array, cellY: Int32Array, o: LungRuleOptions,
): Clusters {
  const air = new Float64Array(256), count = new Float64Array(256);
  for (let y = 0, i = 0; y < height; y++) {
    const row = cellY[y] as number;
    for (let x = 0; x < width; x++, i++) {
      const h = hu[i] as number;
      if (h <= o.paddingHu) continue;
      const l = labels[row + (cellX[x] as number)] as number;
      count[l] = (count[l] as number) + 1;
      if (h < o.coreHu) air[l] = (air[l] as number) + 1;
    }
  }
  const isAir = new Uint8Array(256);
  let clusters = 0, airClusters = 0;
  for (let l = 0; l < 256; l++) {
    if (!count[l]) continue;
    clusters++;
    if (2 * (air[l] as number) > (count[l] as number)) { isAir[l] = 1; airClusters++; }
  }
  return { air: isAir, informative: airClusters > 0 && airClusters < clusters };
}

/**
 * The body, found on a grid of about 256² (the lungs lie far inside its outline, so precision there is free):
 * tissue opened (cutting the table, blankets, tubes), the largest part kept, its holes filled; returned as a crop
 * around it. Padding outside the field of view counts as outside, never as tissue.
 */
function findBody(hu: HuValues, width: number, height: number, cellX: Int32Array, cellY: Int32Array, o: LungRuleOptions): BodyCrop | undefined {
  const f = Math.max(1, Math.floor(Math.min(width, height) / 256));
  const cw = Math.ceil(width / f), ch = Math.ceil(height / f);
  const col = Int32Array.from({ length: width }, (_, x) => Math.floor(x / f));
  const sum = new Float32Array(cw * ch);
  for (let y = 0, i = 0; y < height; y++) {
    const row = Math.floor(y / f) * cw;
    for (let x = 0; x < width; x++, i++) {
      const c = row + (col[x] as number);
      sum[c] = (sum[c] as number) + Math.max(-1024, hu[i] as number);
    }
  }
  const tissue = new Uint8Array(cw * ch);
  for (let cy = 0; cy < ch; cy++) {
    for (let cx = 0; cx < cw; cx++) {
      const cells = (Math.min(f, height - cy * f)) * (Math.min(f, width - cx * f));
      tissue[cy * cw + cx] = (sum[cy * cw + cx] as number) >= o.coreHu * cells ? 1 : 0;
    }
  }
  // Structures thinner than about 4 mm (a table's shell, a blanket's fold) do not join the body.
  const opened = openDisc(tissue, cw, ch, Math.max(1, Math.round(Math.min(cw, ch) / 128)));
  const parts = labelComponents(opened, cw, ch, 4);
  let body = 0;
  for (let id = 1; id <= parts.count; id++) if ((parts.sizes[id] as number) > (parts.sizes[body] ?? 0)) body = id;
  if (!body) return undefined;
  for (let c = 0; c < opened.length; c++) opened[c] = parts.ids[c] === body ? 1 : 0;
  const coarse = fillAllHoles(opened, cw, ch);
  let bx0 = cw, bx1 = 0, by0 = ch, by1 = 0;
  for (let cy = 0; cy < ch; cy++) {
    for (let cx = 0; cx < cw; cx++) {
      if (!coarse[cy * cw + cx]) continue;
      if (cx < bx0) bx0 = cx;
      if (cx > bx1) bx1 = cx;
      if (cy < by0) by0 = cy;
      if (cy > by1) by1 = cy;
    }
  }
  const x0 = bx0 * f, y0 = by0 * f, w = Math.min(width, (bx1 + 1) * f) - x0, h = Math.min(height, (by1 + 1) * f) - y0;
  const crop = new Float32Array(w * h), inside = new Uint8Array(w * h), depth = new Float32Array(w * h);
  const coarseDepth = chamferDistance(coarse, cw, ch, 1, false, new Int32Array(cw * ch));
  let area = 0, sumX = 0, sumY = 0;
  for (let y = 0; y < h; y++) {
    crop.set(hu.subarray((y + y0) * width + x0, (y + y0) * width + x0 + w), y * w);
    const row = Math.floor((y + y0) / f) * cw;
    for (let x = 0; x < w; x++) {
      const c = row + (col[x + x0] as number);
      if (!coarse[c]) continue;
      inside[y * w + x] = 1;
      depth[y * w + x] = ((coarseDepth[c] as number) * f) / 3;
      area++;
      sumX += x;
      sumY += y;
    }
  }
  return {
    x0, y0, w, h, hu: crop, inside, depth, area, centreX: sumX / area, centreY: sumY / area,
    cellX: cellX.slice(x0, x0 + w), cellY: cellY.slice(y0, y0 + h),
  };
}

/**
 * Steps 2 and 3 on the body's crop: the lung mask (crop-sized), or undefined where no region is lung. HU alone
 * decide: S3-Net sees the same grey values, and where it merges lungs with tissue (it may give the FOV padding a
 * cluster of its own and everything else another) a cluster vote could only lose lungs; it weighs the confidence.
 */
function lungsInBody(body: BodyCrop, o: LungRuleOptions): Uint8Array | undefined {
  const { w, h, hu, inside } = body;
  const n = w * h;
  const air = new Uint8Array(n);
  for (let i = 0; i < n; i++) air[i] = inside[i] && (hu[i] as number) < o.coreHu && (hu[i] as number) > o.paddingHu ? 1 : 0;

  // 2. Candidates: a histogram of each sizeable region of air, over its interior where it has one.
  const regions = labelComponents(air, w, h, 8);
  const minLungArea = o.minLungArea * body.area, minRegionArea = o.minRegionArea * body.area;
  const minDepth = o.minDepth * Math.sqrt(body.area);
  const slot = new Int32Array(regions.count + 1).fill(-1);
  let slots = 0;
  for (let id = 1; id <= regions.count; id++) if ((regions.sizes[id] as number) >= minRegionArea) slot[id] = slots++;
  if (!slots) return undefined;
  const scratch = new Int32Array(n);
  // The rim of a gas bubble or of the trachea is partial volume that looks like parenchyma; the interior does not.
  const depth = chamferDistance(air, w, h, 1, true, scratch);
  const interior = new Uint32Array(slots * HU_BINS), whole = new Uint32Array(slots * HU_BINS);
  const stats = new Float64Array(slots * 4); // per region: interior pixels, Σx, Σy, Σ depth in body
  for (let y = 0, i = 0; y < h; y++) {
    for (let x = 0; x < w; x++, i++) {
      const k = slot[regions.ids[i] as number] as number;
      if (k < 0) continue;
      const bin = k * HU_BINS + Math.max(0, Math.min(HU_BINS - 1, Math.floor(((hu[i] as number) - HU_LOW) / HU_BIN)));
      whole[bin] = (whole[bin] as number) + 1;
      if ((depth[i] as number) > 6) { interior[bin] = (interior[bin] as number) + 1; stats[4 * k] = (stats[4 * k] as number) + 1; }
      stats[4 * k + 1] = (stats[4 * k + 1] as number) + x;
      stats[4 * k + 2] = (stats[4 * k + 2] as number) + y;
      stats[4 * k + 3] = (stats[4 * k + 3] as number) + (body.depth[i] as number);
    }
  }
  // Each region's level (median) and floor (10th percentile), over its interior where it has one.
  const median = new Float64Array(slots), floor = new Float64Array(slots);
  let largest = 0;
  for (let id = 1; id <= regions.count; id++) {
    const k = slot[id] as number;
    if (k < 0) continue;
    const area = regions.sizes[id] as number, core = stats[4 * k] as number;
    const [histogram, total] = core >= Math.max(20, 0.1 * area) ? [interior, core] : [whole, area];
    median[k] = histogramQuantile(histogram, k, total, 0.5);
    floor[k] = histogramQuantile(histogram, k, total, 0.1);
    if (area > (regions.sizes[largest] ?? 0)) largest = id;
  }
  // The parenchyma's level in this slice: the largest region of air in a chest is a lung.
  const lungLevel = median[slot[largest] as number] as number;
  const isLung = new Uint8Array(regions.count + 1), isAirway = new Uint8Array(regions.count + 1);
  let lungRegions = 0;
  for (let id = 1; id <= regions.count; id++) {
    const k = slot[id] as number;
    if (k < 0) continue;
    const area = regions.sizes[id] as number, m = median[k] as number, darker = lungLevel - m;
    const small = area < o.largeRegion * body.area;
    // Air reads −1000 outside the body but −990 to −900 inside it (scatter, beam hardening, partial volume), while
    // parenchyma reads −900 to −700. Pure air: a low median. A small region is air too if part of it reaches
    // pure-air values (a gas bubble's, a bronchus's lumen) or if it is clearly darker than the lungs.
    const air = m < o.pureAirHu || (small && ((floor[k] as number) < o.airFloorHu || (m < o.dimAirHu && darker >= o.airContrast)));
    const central = Math.abs((stats[4 * k + 1] as number) / area - body.centreX) < 0.15 * body.w
      && Math.abs((stats[4 * k + 2] as number) / area - body.centreY) < 0.25 * body.h;
    if (central && (air || (small && darker >= o.airwayContrast))) {
      // Trachea and main bronchi, between the lungs and darker than them: cut out with their walls.
      isAirway[id] = 1;
    } else if (
      !air && area >= minLungArea && (stats[4 * k] as number) >= o.minInterior * area && (stats[4 * k + 3] as number) >= minDepth * area
    ) {
      // Lungs lie behind the chest wall and have an inside; a sliver of air between an arm and the chest, in a skin
      // fold or under a blanket's edge has neither.
      isLung[id] = 1;
      lungRegions++;
    }
  }
  if (!lungRegions) return undefined;

  // 3. The outline. Cores grow into the rim between parenchyma and tissue (never into another region of air).
  const mask = new Uint8Array(n);
  for (let i = 0; i < n; i++) mask[i] = isLung[regions.ids[i] as number] as number;
  const reach = chamferDistance(mask, w, h, 0, true, scratch);
  const maxReach = 3 * Math.max(1, Math.round(o.edgeReach * Math.sqrt(body.area)));
  for (let i = 0; i < n; i++) {
    const v = hu[i] as number;
    if ((reach[i] as number) <= maxReach && inside[i] && v < o.edgeHu && v >= o.coreHu) mask[i] = 1;
  }
  const closed = closeEachComponent(mask, w, h, Math.max(1, Math.round(o.closeRadius * Math.sqrt(body.area))), minLungArea, scratch);
  const holes = labelHoles(closed, w, h);
  const keepOpen = new Uint8Array(holes.count + 1);
  for (let k = 1; k <= holes.count; k++) keepOpen[k] = (holes.sizes[k] as number) > o.maxHoleArea * body.area ? 1 : 0;
  for (let i = 0; i < n; i++) if (holes.ids[i] && isAirway[regions.ids[i] as number]) keepOpen[holes.ids[i] as number] = 1;
  for (let i = 0; i < n; i++) if (holes.ids[i] && !keepOpen[holes.ids[i] as number]) closed[i] = 1;
  // The airways and a pixel around them stay out, whatever the closing did.
  for (let y = 0, i = 0; y < h; y++) {
    for (let x = 0; x < w; x++, i++) {
      if (!inside[i]) closed[i] = 0;
      if (!isAirway[regions.ids[i] as number]) continue;
      for (let yy = Math.max(0, y - 1); yy <= Math.min(h - 1, y + 1); yy++) {
        for (let xx = Math.max(0, x - 1); xx <= Math.min(w - 1, x + 1); xx++) closed[yy * w + xx] = 0;
      }
    }
  }
  return closed;
}

/** The q-quantile of region k's histogram (bin centre). */
function histogramQuantile(histograms: Uint32Array, k: number, total: number, q: number): number {
  let seen = 0;
  for (let b = 0; b < HU_BINS; b++) {
    seen += histograms[k * HU_BINS + b] as number;
    if (seen >= q * total) return HU_LOW + (b + 0.5) * HU_BIN;
  }
  return HU_LOW + HU_BINS * HU_BIN;
}

/** The dominant cluster under the mask and how far to trust it: lung extent in the body, both sides, S3-Net's agreement. */
function provenance(mask: Uint8Array, body: BodyCrop, labels: Uint8Array, clusters: Clusters): { cluster: number; confidence: number } {
  const votes = new Float64Array(256);
  let area = 0, inAirCluster = 0, left = 0;
  for (let y = 0, i = 0; y < body.h; y++) {
    const row = body.cellY[y] as number;
    for (let x = 0; x < body.w; x++, i++) {
      if (!mask[i]) continue;
      const l = labels[row + (body.cellX[x] as number)] as number;
      votes[l] = (votes[l] as number) + 1;
      area++;
      if (clusters.air[l]) inAirCluster++;
      if (x < body.centreX) left++;
    }
  }
  if (!area) return { cluster: -1, confidence: 0 };
  let cluster = 0;
  for (let l = 1; l < 256; l++) if ((votes[l] as number) > (votes[cluster] as number)) cluster = l;
  // At mid-chest the lungs are a third of the body's cross-section or more; at the apex, the bases and below, far less.
  const extent = Math.min(1, area / (0.2 * body.area));
  const bilateral = Math.min(left, area - left) >= 0.15 * area ? 1 : 0.7;
  // S3-Net's clusters shift trust between half (the mask lies outside its air-like clusters) and full.
  const agreement = clusters.informative ? 0.5 + (0.5 * inAirCluster) / area : UNINFORMED;
  return { cluster, confidence: extent * bilateral * agreement };
}
