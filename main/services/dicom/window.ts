// Window/level: the header's window, clinical presets, and the DICOM linear VOI function to 8-bit display values.
import type { WindowLevel } from './pixels/decode.js';

export const WINDOW_PRESETS = {
  lung: { width: 1500, center: -600 },
  mediastinum: { width: 350, center: 40 },
  bone: { width: 2000, center: 500 },
  brain: { width: 80, center: 40 },
} as const satisfies Record<string, WindowLevel>;

export type WindowPreset = keyof typeof WINDOW_PRESETS;

/**
 * PS3.3 C.11.2.1.2.1 linear function, then MONOCHROME1 inversion (which applies after VOI, so presets keep
 * their meaning on inverted images).
 */
export function applyWindow(values: ArrayLike<number>, window: WindowLevel, invert = false): Uint8Array {
  const out = new Uint8Array(values.length);
  const c = window.center - 0.5;
  const w = Math.max(window.width - 1, 1e-6);
  const lo = c - w / 2;
  const hi = c + w / 2;
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    const v = x <= lo ? 0 : x > hi ? 255 : Math.round(((x - c) / w + 0.5) * 255);
    out[i] = invert ? 255 - v : v;
  }
  return out;
}

/** Min/max window for images with no window in the header. */
export function fullRangeWindow(values: ArrayLike<number>): WindowLevel {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (!Number.isFinite(min)) return { center: 0, width: 1 };
  return { center: (min + max) / 2, width: Math.max(max - min, 1) };
}

/**
 * S3-Net's input for a CT slice: Hounsfield units through the lung window (1500/−600), linear and clamped to [0, 1],
 * as grey RGB (R = G = B), row-major.
 */
export function lungWindowRgb(hu: ArrayLike<number>): Float32Array {
  const { width, center } = WINDOW_PRESETS.lung;
  const lo = center - width / 2;
  const data = new Float32Array(hu.length * 3);
  for (let i = 0; i < hu.length; i++) {
    const g = Math.min(1, Math.max(0, (hu[i]! - lo) / width));
    data[i * 3] = data[i * 3 + 1] = data[i * 3 + 2] = g;
  }
  return data;
}
