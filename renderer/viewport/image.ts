// Builds cornerstone image objects from the app's items: HU slices as signed 16-bit, photos as RGBA.
import type { CsImage } from 'cornerstone-core';
import type { ItemData } from '../../main/contracts';

export function toCornerstoneImage(item: ItemData): CsImage {
  const base = { imageId: `s3:${item.itemId}`, rows: item.height, columns: item.width, height: item.height, width: item.width, slope: 1, intercept: 0, invert: false };
  if (item.kind === 'photo') {
    const rgba = item.rgba;
    return { ...base, minPixelValue: 0, maxPixelValue: 255, windowCenter: 128, windowWidth: 256, getPixelData: () => rgba, color: true, rgba: false, columnPixelSpacing: 1, rowPixelSpacing: 1, sizeInBytes: rgba.byteLength };
  }
  const hu = item.hu;
  let min = 32767;
  let max = -32768;
  for (let i = 0; i < hu.length; i++) {
    const v = hu[i] ?? 0;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const preset = item.presets[0] ?? { center: 40, width: 400 };
  return { ...base, minPixelValue: min, maxPixelValue: max, windowCenter: preset.center, windowWidth: preset.width, getPixelData: () => hu, color: false, rgba: false, columnPixelSpacing: item.spacing[1], rowPixelSpacing: item.spacing[0], sizeInBytes: hu.byteLength };
}
