// From S3-Net's label map to masks at the item's native resolution, with the model's post-processing rules.
import { lesionTarget, lungTarget, pickAt, pickTarget, resizeLabels, resizeMask, type NativeTarget } from '../../../model/postprocess';
import type { ItemData } from '../../contracts';
import type { RgbImage } from '../../../model/types';

/** The automatic proposal at native size: the lungs (by HU) on a CT slice, the lesion on a photograph, with its confidence. */
export function proposeTarget(labels: Uint8Array, size: number, item: ItemData, image: RgbImage): NativeTarget {
  return item.kind === 'slice'
    ? lungTarget(labels, size, Float32Array.from(item.hu), item.width, item.height)
    : lesionTarget(labels, size, image);
}

/**
 * One click at native (x, y): the connected component under it, or the whole cluster there. On a photograph the
 * component is cleaned as the automatic proposal is, at native resolution (a click on the lesion follows its colour
 * outline); on a CT slice it is the cluster's component (holes filled), so any structure can be picked.
 */
export function pickMask(labels: Uint8Array, size: number, item: ItemData, image: RgbImage, x: number, y: number, what: 'cluster' | 'component'): Uint8Array {
  const { width, height } = image;
  const picked = item.kind === 'slice'
    ? (() => {
        const t = pickAt(labels, size, ((x + 0.5) * size) / width, ((y + 0.5) * size) / height);
        return { ...t, mask: resizeMask(t.mask, size, size, width, height) };
      })()
    : pickTarget(labels, size, image, x, y);
  if (what === 'component') return picked.mask;
  const native = resizeLabels(labels, size, size, width, height);
  return Uint8Array.from(native, (l) => (l === picked.cluster ? 1 : 0));
}
