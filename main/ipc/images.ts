// Turns a displayable item into S3-Net's input (RGB in [0,1]); CT slices are windowed for the lungs first.
import type { ItemData } from '../contracts';
import type { RgbImage } from '../../model/types';
import { lungWindowRgb } from '../services/dicom';

export function toModelImage(item: ItemData): RgbImage {
  if (item.kind === 'slice') return { width: item.width, height: item.height, data: lungWindowRgb(item.hu) };
  const n = item.width * item.height;
  const data = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) data[i * 3 + c] = (item.rgba[i * 4 + c] ?? 0) / 255;
  return { width: item.width, height: item.height, data };
}
