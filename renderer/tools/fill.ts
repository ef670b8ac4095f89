// Flood fill from a pixel (by mask value, or by image intensity around the seed), and hole filling (background not reachable from the border becomes the segment).
import type { MaskWriter } from './writer';

/** Scanline-free 4-connected flood: replaces the region of equal value around (x, y) with value. */
export function floodFill(m: MaskWriter, x: number, y: number, value: number): void {
  const { width, height, data } = m;
  if (x < 0 || y < 0 || x >= width || y >= height) return;
  const start = y * width + x;
  const target = data[start];
  if (target === undefined || target === value) return;
  const stack = new Int32Array(width * height);
  let top = 0;
  stack[top++] = start;
  m.set(start, value);
  while (top > 0) {
    const i = stack[--top] ?? 0;
    const cx = i % width;
    if (cx > 0 && data[i - 1] === target) {
      m.set(i - 1, value);
      stack[top++] = i - 1;
    }
    if (cx < width - 1 && data[i + 1] === target) {
      m.set(i + 1, value);
      stack[top++] = i + 1;
    }
    if (i >= width && data[i - width] === target) {
      m.set(i - width, value);
      stack[top++] = i - width;
    }
    if (i + width < data.length && data[i + width] === target) {
      m.set(i + width, value);
      stack[top++] = i + width;
    }
  }
}

/**
 * Intensity-bounded flood, as Slicer's flood filling: from (x, y), every 4-connected pixel whose image value lies
 * within `tolerance` of the seed's value becomes `value`, whatever the mask held there. Returns the pixels filled.
 */
export function floodFillRange(m: MaskWriter, intensity: ArrayLike<number>, x: number, y: number, value: number, tolerance: number): number {
  const { width, height } = m;
  if (intensity.length !== width * height) throw new Error(`the image has ${intensity.length} pixels, the mask ${width}×${height}`);
  if (!(tolerance >= 0)) throw new Error(`tolerance must be ≥ 0, not ${tolerance}`);
  x = Math.floor(x);
  y = Math.floor(y);
  if (x < 0 || y < 0 || x >= width || y >= height) return 0;
  const start = y * width + x;
  const seed = intensity[start] ?? 0;
  const lo = seed - tolerance;
  const hi = seed + tolerance;
  const seen = new Uint8Array(width * height);
  const stack = new Int32Array(width * height);
  let top = 0;
  let filled = 0;
  const visit = (i: number): void => {
    if (seen[i]) return;
    seen[i] = 1;
    const v = intensity[i] ?? 0;
    if (v < lo || v > hi) return;
    m.set(i, value);
    filled++;
    stack[top++] = i;
  };
  visit(start);
  while (top > 0) {
    const i = stack[--top] ?? 0;
    const cx = i % width;
    if (cx > 0) visit(i - 1);
    if (cx < width - 1) visit(i + 1);
    if (i >= width) visit(i - width);
    if (i + width < width * height) visit(i + width);
  }
  return filled;
}

/** The intensity a fill compares: HU on a slice, luminance (Rec. 601, 0–255) on a photograph. */
export function fillIntensity(item: { kind: 'slice'; hu: Int16Array } | { kind: 'photo'; rgba: Uint8Array; width: number; height: number }): ArrayLike<number> {
  if (item.kind === 'slice') return item.hu;
  const out = new Float32Array(item.width * item.height);
  const p = item.rgba;
  for (let i = 0; i < out.length; i++) out[i] = 0.299 * (p[i * 4] ?? 0) + 0.587 * (p[i * 4 + 1] ?? 0) + 0.114 * (p[i * 4 + 2] ?? 0);
  return out;
}

/** Background pixels enclosed by the segment (not 4-connected to the image border) are set to value. */
export function fillHoles(m: MaskWriter, value: number): void {
  const { width, height, data } = m;
  const outside = new Uint8Array(width * height);
  const stack = new Int32Array(width * height);
  let top = 0;
  const seed = (i: number): void => {
    if (data[i] === 0 && !outside[i]) {
      outside[i] = 1;
      stack[top++] = i;
    }
  };
  for (let x = 0; x < width; x++) {
    seed(x);
    seed((height - 1) * width + x);
  }
  for (let y = 0; y < height; y++) {
    seed(y * width);
    seed(y * width + width - 1);
  }
  while (top > 0) {
    const i = stack[--top] ?? 0;
    const cx = i % width;
    if (cx > 0) seed(i - 1);
    if (cx < width - 1) seed(i + 1);
    if (i >= width) seed(i - width);
    if (i + width < data.length) seed(i + width);
  }
  for (let i = 0; i < data.length; i++) if (data[i] === 0 && !outside[i]) m.set(i, value);
}

export function clearMask(m: MaskWriter): void {
  for (let i = 0; i < m.data.length; i++) if (m.data[i]) m.set(i, 0);
}

/** Replaces the whole mask with another one (a proposal or a picked cluster), as one undoable edit. */
export function replaceMask(m: MaskWriter, next: Uint8Array, value: number): void {
  for (let i = 0; i < m.data.length; i++) m.set(i, next[i] ? value : 0);
}
