// The reference code's ground-truth-ASSISTED evaluation, for comparison only (a deployed tool has no ground truth):
// the lesion cluster is the non-zero label most common inside the ground truth, and that cluster's mask is multiplied
// by the ground truth dilated with a 5×5 square kernel twice (cv2.dilate(GT, ones(5, 5), iterations=2): a 9×9 square)
// at the reference's 256×256 working size. We apply it at native resolution with the square scaled to match.

/** Working size the reference's dilation was sized for. */
const REFERENCE_SIZE = 256;
/** Half-width of the reference's 9×9 square at that size. */
const REFERENCE_RADIUS = 4;

/** Dilation by a (2r+1)² square: a separable running maximum, rows then columns. */
export function dilateSquare(mask: Uint8Array, width: number, height: number, r: number): Uint8Array {
  const rows = new Uint8Array(mask.length);
  for (let y = 0; y < height; y++) {
    // Scanning right, pixel x − r is covered when the last foreground seen (at most x) lies within 2r of x.
    let last = -Infinity;
    for (let x = 0; x < width + r; x++) {
      if (x < width && mask[y * width + x]) last = x;
      const target = x - r;
      if (target >= 0 && x - last <= 2 * r) rows[y * width + target] = 1;
    }
  }
  const out = new Uint8Array(mask.length);
  for (let x = 0; x < width; x++) {
    for (let y = 0; y < height; y++) {
      if (!rows[y * width + x]) continue;
      for (let k = Math.max(0, y - r); k <= Math.min(height - 1, y + r); k++) out[k * width + x] = 1;
    }
  }
  return out;
}

/**
 * The reference's mask from a native-size label map and the ground truth: the non-zero cluster most common inside the
 * ground truth (label 0 is never chosen: the reference counts labels of pred·GT, where 0 means "outside"), times the
 * dilated ground truth. Returns the mask and the chosen cluster (−1 when the ground truth covers only label 0).
 */
export function referenceAssistedMask(labels: Uint8Array, truth: Uint8Array, width: number, height: number): { mask: Uint8Array; cluster: number } {
  const votes = new Uint32Array(256);
  for (let i = 0; i < truth.length; i++) if (truth[i] && labels[i]) votes[labels[i] as number] = (votes[labels[i] as number] as number) + 1;
  let cluster = -1;
  for (let l = 1; l < 256; l++) if ((votes[l] as number) > 0 && (cluster < 0 || (votes[l] as number) > (votes[cluster] as number))) cluster = l;
  if (cluster < 0) return { mask: new Uint8Array(labels.length), cluster };
  const r = Math.max(1, Math.round((REFERENCE_RADIUS * Math.max(width, height)) / REFERENCE_SIZE));
  const near = dilateSquare(truth, width, height, r);
  const mask = new Uint8Array(labels.length);
  for (let i = 0; i < mask.length; i++) mask[i] = labels[i] === cluster && near[i] ? 1 : 0;
  return { mask, cluster };
}
