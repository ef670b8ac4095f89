// From S3-Net's label map to masks at the item's native resolution, with the model's post-processing rules.
import { luminanceAt, lungTarget, pickAt, resizeLabels, resizeMask, selectLesion, type NativeTarget } from '../../../model/postprocess';
import type { ItemData } from '../../contracts';
import type { RgbImage } from '../../../model/types';

/** The automatic proposal at native size: the lungs (by HU) on a CT slice, the lesion on a photograph, with its confidence. */
export function proposeTarget(labels: Uint8Array, size: number, item: ItemData, image: RgbImage): NativeTarget {
  if (item.kind === 'slice') return lungTarget(labels, size, Float32Array.from(item.hu), item.width, item.height);
  const target = selectLesion(labels, size, luminanceAt(image.data, image.width, image.height, size));
  return { ...target, mask: resizeMask(target.mask, size, size, item.width, item.height), width: item.width, height: item.height };
}

export function proposeMask(labels: Uint8Array, size: number, item: ItemData, image: RgbImage): Uint8Array {
  return proposeTarget(labels, size, item, image).mask;
}

/**
 * One click at native (x, y): the connected component of the cluster there (holes filled), or the whole cluster.
 * The component is chosen at the working size and brought to native resolution like the proposals.
 */
export function pickMask(labels: Uint8Array, size: number, width: number, height: number, x: number, y: number, what: 'cluster' | 'component'): Uint8Array {
  const picked = pickAt(labels, size, ((x + 0.5) * size) / width, ((y + 0.5) * size) / height);
  if (what === 'component') return resizeMask(picked.mask, size, size, width, height);
  const native = resizeLabels(labels, size, size, width, height);
  return Uint8Array.from(native, (l) => (l === picked.cluster ? 1 : 0));
}
