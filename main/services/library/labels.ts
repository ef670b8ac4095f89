// From S3-Net's label map to masks at the item's native resolution, with the model's post-processing rules.
import { connectedComponents, lesionTarget, lungTarget, pickAt, pickTarget, resizeLabels, resizeMask, selectComponents, type NativeTarget } from '../../../model/postprocess';
import type { ItemData } from '../../contracts';
import type { RgbImage } from '../../../model/types';

/** The automatic proposal at native size: the lungs (by HU) on a CT slice, the lesion on a photograph, with its confidence. */
export function proposeTarget(labels: Uint8Array, size: number, item: ItemData, image: RgbImage): NativeTarget {
  return item.kind === 'slice'
    ? lungTarget(labels, size, item.hu, item.width, item.height)
    : lesionTarget(labels, size, image);
}

/**
 * One click at native (x, y): the connected component under it, or the whole cluster there. On a photograph the
 * component is cleaned as the automatic proposal is, at native resolution (a click on the lesion follows its colour
 * outline). On a CT slice a click inside the proposed lungs picks that lung as the proposal outlines it; elsewhere it
 * is the cluster's component (holes filled), so any other structure can be picked too.
 */
export function pickMask(labels: Uint8Array, size: number, item: ItemData, image: RgbImage, x: number, y: number, what: 'cluster' | 'component'): Uint8Array {
  const { width, height } = image;
  const picked = item.kind === 'slice' ? pickOnSlice(labels, size, item, x, y) : pickTarget(labels, size, image, x, y);
  if (what === 'component') return picked.mask;
  const native = resizeLabels(labels, size, size, width, height);
  const out = new Uint8Array(native.length);
  for (let i = 0; i < native.length; i++) out[i] = native[i] === picked.cluster ? 1 : 0;
  return out;
}

function pickOnSlice(labels: Uint8Array, size: number, item: Extract<ItemData, { kind: 'slice' }>, x: number, y: number): { mask: Uint8Array; cluster: number } {
  const { width, height } = item;
  const at = Math.floor(y) * width + Math.floor(x);
  const lungs = lungTarget(labels, size, item.hu, width, height);
  if (lungs.mask[at]) {
    const comps = connectedComponents(lungs.mask, width, height);
    const id = comps.ids[at] as number;
    return { mask: selectComponents(comps, (c) => c === id), cluster: labels[Math.min(size - 1, Math.floor((y * size) / height)) * size + Math.min(size - 1, Math.floor((x * size) / width))] as number };
  }
  const t = pickAt(labels, size, ((x + 0.5) * size) / width, ((y + 0.5) * size) / height);
  return { ...t, mask: resizeMask(t.mask, size, size, width, height) };
}
