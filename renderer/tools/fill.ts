// Flood fill from a pixel, and hole filling (background not reachable from the border becomes the segment).
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
