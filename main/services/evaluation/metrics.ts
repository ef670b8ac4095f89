// Segmentation metrics as the S3-Net authors define them (METHOD.md), and matching prediction files to ground truth.
import { basename } from 'node:path';

export interface Overlap {
  readonly dice: number;
  readonly iou: number;
  /** (|A∪G| − |A∩G|) / |A∪G| = 1 − IoU; lower is better. */
  readonly hm: number;
  /** (|A∪G| − |A∩G|) / |G|; lower is better. */
  readonly xor: number;
}

export function overlap(pred: Uint8Array, truth: Uint8Array): Overlap {
  if (pred.length !== truth.length) throw new RangeError(`mask sizes differ: ${pred.length} vs ${truth.length} pixels`);
  let a = 0, g = 0, both = 0;
  for (let i = 0; i < pred.length; i++) {
    const p = pred[i] ? 1 : 0, t = truth[i] ? 1 : 0;
    a += p;
    g += t;
    both += p & t;
  }
  const union = a + g - both;
  return {
    dice: a + g === 0 ? 1 : (2 * both) / (a + g),
    iou: union === 0 ? 1 : both / union,
    hm: union === 0 ? 0 : (union - both) / union,
    xor: g === 0 ? (union === 0 ? 0 : Infinity) : (union - both) / g,
  };
}

const SUFFIXES = ['.mask', '.labels', '_segmentation', '_lesion', '_mask', '_seg'];

/** The image id a mask or image file belongs to: IMD002_lesion.bmp, IMD002.mask.png and IMD002.bmp → IMD002. */
export function imageId(path: string): string {
  let name = basename(path);
  const dot = name.lastIndexOf('.');
  if (dot > 0) name = name.slice(0, dot);
  for (let changed = true; changed; ) {
    changed = false;
    for (const s of SUFFIXES) {
      if (name.toLowerCase().endsWith(s) && name.length > s.length) {
        name = name.slice(0, -s.length);
        changed = true;
      }
    }
  }
  return name;
}

export interface Summary {
  readonly mean: Overlap;
  readonly median: Overlap;
  readonly min: Overlap;
}

export function summarise(rows: readonly Overlap[]): Summary {
  const keys = ['dice', 'iou', 'hm', 'xor'] as const;
  const stat = (f: (xs: number[]) => number) =>
    Object.fromEntries(keys.map((k) => [k, f(rows.map((r) => r[k]))])) as unknown as Overlap;
  const median = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    const m = s.length >> 1;
    return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
  };
  return {
    mean: stat((xs) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length)),
    median: stat(median),
    min: stat((xs) => Math.min(...xs)),
  };
}
