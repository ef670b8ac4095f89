// A propagation step from S3-Net as it is today: warm-started training, then the clusters the seeds point at.
import type { SegmentationRunner } from '../../../model/runner';
import type { S3NetConfig } from '../../../model/config';
import { resizeLabels } from '../../../model/postprocess/components';
import { dilateDisc, fillAllHoles, labelComponents } from '../../../model/postprocess/morphology-extra';
import type { PropagationStep } from './propagate';

/** S3-Net's input for a structure: the lung window for air-filled cores, a soft-tissue window (400/40) otherwise. */
export function windowForSeeds(hu: Float32Array, core: Uint8Array): Float32Array {
  const values: number[] = [];
  for (let i = 0; i < hu.length; i += 7) if (core[i] === 1) values.push(hu[i] as number);
  values.sort((a, b) => a - b);
  const median = values[values.length >> 1] ?? 0;
  const [lo, width] = median < -300 ? [-1350, 1500] : [-160, 400];
  const data = new Float32Array(hu.length * 3);
  for (let i = 0; i < hu.length; i++) {
    const g = Math.min(1, Math.max(0, ((hu[i] as number) - lo) / width));
    data[i * 3] = data[i * 3 + 1] = data[i * 3 + 2] = g;
  }
  return data;
}

/**
 * Trains S3-Net on the slice (warm-started from the previous slice), then keeps the clusters denser in the target
 * seeds than in the background band, within a short reach of the previous mask (so the mask moves a few pixels
 * a slice, as anatomy does between neighbouring slices) and the core's HU range, the parts touching the seeds, holes
 * filled. Confidence is
 * the selected clusters' margin of core over band density. The seeded training term of issue 9 replaces the
 * selection here once it exists; the walk, seeds and stop rules stay.
 */
export function clusterStep(runner: SegmentationRunner, config: Partial<S3NetConfig>, warmMinIterations = 1): PropagationStep {
  return async ({ hu, width, height, previous, seeds, warmStart, signal }) => {
    const image = { width, height, data: windowForSeeds(hu, seeds.data) };
    const r = await runner.segment(image, warmStart ? { ...config, minIterations: warmMinIterations } : config, {
      keepWeights: true, ...(warmStart ? { warmStart } : {}), ...(signal ? { signal } : {}),
    });
    const labels = resizeLabels(r.labels, r.size, r.size, width, height);
    const inCore = new Float64Array(256), inBand = new Float64Array(256);
    let core = 0, band = 0;
    for (let i = 0; i < labels.length; i++) {
      const s = seeds.data[i];
      if (s === 1) { core++; inCore[labels[i] as number]!++; } else if (s === 2) { band++; inBand[labels[i] as number]!++; }
    }
    const chosen = new Uint8Array(256);
    let margin = 0, kept = 0;
    for (let c = 0; c < 256; c++) {
      const dc = core ? (inCore[c] as number) / core : 0, db = band ? (inBand[c] as number) / band : 0;
      if (dc >= 0.02 && dc > db) {
        chosen[c] = 1;
        margin += (dc - db) * dc;
        kept += dc;
      }
    }
    const area = previous.reduce((a, v) => a + v, 0);
    const reach = Math.max(2, Math.round(0.04 * Math.sqrt(area / Math.PI)));
    const near = dilateDisc(previous, width, height, reach);
    // The clusters at the working size blur edges with neighbours of similar grey: pixels must also lie in the
    // core's own HU range (its 2nd–98th percentile, widened by a tenth of it).
    const coreHu: number[] = [];
    for (let i = 0; i < hu.length; i++) if (seeds.data[i] === 1) coreHu.push(hu[i] as number);
    coreHu.sort((a, b) => a - b);
    const p2 = coreHu[Math.floor(0.02 * coreHu.length)] ?? -Infinity, p98 = coreHu[Math.floor(0.98 * (coreHu.length - 1))] ?? Infinity;
    const lo = p2 - 0.1 * (p98 - p2), hi = p98 + 0.1 * (p98 - p2);
    const raw = new Uint8Array(width * height);
    for (let i = 0; i < raw.length; i++) if (near[i] && chosen[labels[i] as number] && (hu[i] as number) >= lo && (hu[i] as number) <= hi) raw[i] = 1;
    // Only the parts that hold target seeds: a blob of the same cluster nearby is another structure.
    const parts = labelComponents(raw, width, height, 8);
    const seeded = new Uint8Array(parts.count + 1);
    for (let i = 0; i < raw.length; i++) if (seeds.data[i] === 1 && parts.ids[i]) seeded[parts.ids[i] as number] = 1;
    const mask = new Uint8Array(width * height);
    for (let i = 0; i < mask.length; i++) if (seeded[parts.ids[i] as number]) mask[i] = 1;
    return {
      mask: fillAllHoles(mask, width, height), confidence: kept > 0 ? Math.min(1, margin / kept) : 0, iterations: r.iterations, seconds: r.seconds,
      ...(r.weights ? { weights: r.weights } : {}),
    };
  };
}
