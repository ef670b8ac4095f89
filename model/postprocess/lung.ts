// Ground-truth-free lungs on a chest CT slice, from Hounsfield units and S3-Net's clusters.
import { connectedComponents, fillHoles, poolToSize, selectComponents } from './components';
import type { TargetMask } from './lesion';

/** Area-averaged single-channel values at the working size (HU for CT). */
export function meanPool(values: Float32Array, width: number, height: number, size: number): Float32Array {
  return poolToSize(width, height, size, (i) => values[i] as number);
}

/** Air-like tissue: lungs sit around −850 HU, soft tissue above −100. */
const AIR_CLUSTER_MAX_HU = -400;

/**
 * The lungs: pixels of clusters whose mean HU is air-like; air connected to the image border (outside the body,
 * the table's gap) dropped; components smaller than a tenth of the largest (trachea, bowel gas, noise) dropped;
 * holes filled so nodules and vessels inside the lungs are kept, as radiologists draw them.
 */
export function selectLungs(labels: Uint8Array, size: number, hu: Float32Array): TargetMask {
  const sum = new Map<number, number>(), count = new Map<number, number>();
  labels.forEach((l, i) => {
    sum.set(l, (sum.get(l) ?? 0) + (hu[i] as number));
    count.set(l, (count.get(l) ?? 0) + 1);
  });
  const airClusters = new Set([...sum].filter(([l, s]) => s / (count.get(l) as number) < AIR_CLUSTER_MAX_HU).map(([l]) => l));
  const air = Uint8Array.from(labels, (l, i) => (airClusters.has(l) && (hu[i] as number) < AIR_CLUSTER_MAX_HU ? 1 : 0));
  const comps = connectedComponents(air, size, size);
  let largest = 0;
  for (let id = 1; id <= comps.count; id++) if (!comps.touchesBorder[id]) largest = Math.max(largest, comps.sizes[id] as number);
  const minArea = Math.max(largest / 10, 0.002 * size * size);
  const inner = selectComponents(comps, (id) => !comps.touchesBorder[id] && (comps.sizes[id] as number) >= minArea);
  const mask = fillHoles(inner, size, size);
  const votes = new Map<number, number>();
  mask.forEach((v, i) => v && votes.set(labels[i] as number, (votes.get(labels[i] as number) ?? 0) + 1));
  const cluster = [...votes].sort((a, b) => b[1] - a[1])[0]?.[0] ?? -1;
  const fraction = mask.reduce((a, v) => a + v, 0) / mask.length;
  // Lungs fill roughly 10–40 % of an axial chest slice; far outside that range the proposal is doubtful.
  const confidence = fraction === 0 ? 0 : Math.max(0, Math.min(1, fraction / 0.05, (0.6 - fraction) / 0.2));
  return { mask, cluster, confidence };
}
