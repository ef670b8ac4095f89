// Lasso/polygon: fills the inside of a closed polygon (even-odd rule, pixel centres) with a value.
import type { MaskWriter } from './writer';

export type Point = readonly [number, number];

export function fillPolygon(m: MaskWriter, points: readonly Point[], value: number): void {
  if (points.length < 3) return;
  let minY = Infinity;
  let maxY = -Infinity;
  for (const [, y] of points) {
    minY = Math.min(minY, y);
    maxY = Math.max(maxY, y);
  }
  const y0 = Math.max(0, Math.floor(minY));
  const y1 = Math.min(m.height - 1, Math.ceil(maxY));
  const xs: number[] = [];
  for (let y = y0; y <= y1; y++) {
    const sy = y + 0.5;
    xs.length = 0;
    for (let k = 0; k < points.length; k++) {
      const [ax, ay] = points[k] ?? [0, 0];
      const [bx, by] = points[(k + 1) % points.length] ?? [0, 0];
      if ((ay <= sy && by > sy) || (by <= sy && ay > sy)) xs.push(ax + ((sy - ay) * (bx - ax)) / (by - ay));
    }
    xs.sort((a, b) => a - b);
    for (let k = 0; k + 1 < xs.length; k += 2) {
      const from = Math.max(0, Math.ceil((xs[k] ?? 0) - 0.5));
      const to = Math.min(m.width - 1, Math.floor((xs[k + 1] ?? 0) - 0.5));
      for (let x = from; x <= to; x++) m.set(y * m.width + x, value);
    }
  }
}
