// Turns a displayable item into S3-Net's input (RGB in [0,1]); CT slices are windowed for the lungs first.
import type { ItemData } from '../contracts';
import type { RgbImage } from '../../model/types';

const LUNG = { center: -600, width: 1500 };

export function toModelImage(item: ItemData): RgbImage {
  const n = item.width * item.height;
  const data = new Float32Array(n * 3);
  if (item.kind === 'slice') {
    const lo = LUNG.center - LUNG.width / 2;
    for (let i = 0; i < n; i++) {
      const v = Math.max(0, Math.min(1, ((item.hu[i] ?? 0) - lo) / LUNG.width));
      data[i * 3] = data[i * 3 + 1] = data[i * 3 + 2] = v;
    }
  } else {
    for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) data[i * 3 + c] = (item.rgba[i * 4 + c] ?? 0) / 255;
  }
  return { width: item.width, height: item.height, data };
}
