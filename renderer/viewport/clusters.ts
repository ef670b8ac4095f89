// S3-Net's cluster map as an overlay: one distinct colour per cluster id (0..63), every pixel coloured.

/** Distinct colours by the golden angle in hue, alternating lightness so neighbouring ids differ. value = id + 1. */
export function clusterPalette(count = 64): Map<number, string> {
  const out = new Map<number, string>();
  for (let id = 0; id < count; id++) {
    const h = (id * 137.508) % 360;
    const l = id % 2 ? 0.45 : 0.62;
    const c = (1 - Math.abs(2 * l - 1)) * 0.85;
    const x = c * (1 - Math.abs(((h / 60) % 2) - 1));
    const [r, g, b] = h < 60 ? [c, x, 0] : h < 120 ? [x, c, 0] : h < 180 ? [0, c, x] : h < 240 ? [0, x, c] : h < 300 ? [x, 0, c] : [c, 0, x];
    const m = l - c / 2;
    const hex = [r, g, b].map((v) => Math.round((v + m) * 255).toString(16).padStart(2, '0')).join('');
    out.set(id + 1, `#${hex}`);
  }
  return out;
}

/** Cluster ids shifted by one, so that cluster 0 is drawn too (the overlay leaves value 0 transparent). */
export function clusterValues(labels: Uint8Array): Uint8Array {
  return Uint8Array.from(labels, (l) => Math.min(255, l + 1));
}
