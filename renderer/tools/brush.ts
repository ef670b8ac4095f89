// Brush and eraser: discs stamped along the pointer's path (eraser = brush with value 0).
import type { MaskWriter } from './writer';

export function paintDisc(m: MaskWriter, cx: number, cy: number, radius: number, value: number): void {
  const r2 = radius * radius;
  const x0 = Math.max(0, Math.floor(cx - radius));
  const x1 = Math.min(m.width - 1, Math.ceil(cx + radius));
  const y0 = Math.max(0, Math.floor(cy - radius));
  const y1 = Math.min(m.height - 1, Math.ceil(cy + radius));
  for (let y = y0; y <= y1; y++) {
    const dy = y + 0.5 - cy;
    for (let x = x0; x <= x1; x++) {
      const dx = x + 0.5 - cx;
      if (dx * dx + dy * dy <= r2) m.set(y * m.width + x, value);
    }
  }
}

/** Stamps discs from (ax, ay) to (bx, by) at a spacing of a quarter radius, so fast moves leave no gaps. */
export function paintSegment(m: MaskWriter, ax: number, ay: number, bx: number, by: number, radius: number, value: number): void {
  const len = Math.hypot(bx - ax, by - ay);
  const steps = Math.max(1, Math.ceil(len / Math.max(0.5, radius / 4)));
  for (let s = 1; s <= steps; s++) paintDisc(m, ax + ((bx - ax) * s) / steps, ay + ((by - ay) * s) / steps, radius, value);
}
