// Patient geometry for the viewer: slice order along the normal, slice spacing, and R/L/A/P/S/I letters (DICOM LPS).
export type Vec3 = readonly [number, number, number];
export type Orientation = readonly [number, number, number, number, number, number];

/** DICOM patient axes are LPS: +x is the patient's left, +y posterior, +z superior. */
const LETTERS: ReadonlyArray<readonly [string, string]> = [
  ['R', 'L'],
  ['A', 'P'],
  ['I', 'S'],
];

const dot = (a: Vec3, b: Vec3): number => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const neg = (a: Vec3): Vec3 => [-a[0], -a[1], -a[2]];

export function sliceNormal(o: Orientation): Vec3 | null {
  const n: Vec3 = [o[1] * o[5] - o[2] * o[4], o[2] * o[3] - o[0] * o[5], o[0] * o[4] - o[1] * o[3]];
  const len = Math.hypot(...n);
  return len > 1e-6 ? [n[0] / len, n[1] / len, n[2] / len] : null;
}

/**
 * The letters of the patient directions a vector points to, strongest first ("L", "LP", "SAR"); components under
 * the threshold (≈ 6° off an axis) are left out, as OHIF and Slicer do.
 */
export function directionLetters(v: Vec3, threshold = 0.1): string {
  const len = Math.hypot(...v) || 1;
  return [0, 1, 2]
    .filter((i) => Math.abs(v[i] ?? 0) / len > threshold)
    .sort((a, b) => Math.abs(v[b] ?? 0) - Math.abs(v[a] ?? 0))
    .map((i) => LETTERS[i]?.[(v[i] ?? 0) > 0 ? 1 : 0] ?? '')
    .join('');
}

export interface EdgeLetters {
  readonly left: string;
  readonly right: string;
  readonly top: string;
  readonly bottom: string;
}

/** Letters at the four edges of a picture whose x axis points along `across` and y axis (downwards) along `down`. */
export function edgeLetters(across: Vec3, down: Vec3): EdgeLetters {
  return { left: directionLetters(neg(across)), right: directionLetters(across), top: directionLetters(neg(down)), bottom: directionLetters(down) };
}

/**
 * The direction slice 1 comes first in, as radiology viewers order stacks: superior first for axial series,
 * anterior first for coronal, right first for sagittal (the normal's strongest component decides).
 */
export function firstSliceDirection(normal: Vec3): Vec3 {
  const ax = [0, 1, 2].reduce((best, i) => (Math.abs(normal[i] ?? 0) > Math.abs(normal[best] ?? 0) ? i : best), 0);
  // +z (superior) comes first; for y and x the smaller coordinate (anterior, right) comes first.
  const wantPositive = ax === 2;
  return ((normal[ax] ?? 0) > 0) === wantPositive ? normal : neg(normal);
}

/**
 * Orders slices for viewing: by ImagePositionPatient projected on the slice normal, slice 1 the most superior
 * (axial). Without orientation or a position on every slice, the given order (the indexer's) is kept.
 */
export function viewerOrder<T extends { readonly patientPosition?: Vec3 | undefined }>(items: readonly T[], orientation: Orientation | undefined): T[] {
  const normal = orientation ? sliceNormal(orientation) : null;
  if (!normal || !items.every((i) => i.patientPosition)) return [...items];
  const first = firstSliceDirection(normal);
  return items
    .map((item, i) => ({ item, i, key: dot(item.patientPosition as Vec3, first) }))
    .sort((a, b) => b.key - a.key || a.i - b.i)
    .map((e) => e.item);
}

/** Mean distance between neighbouring slices along the normal (mm), or null where positions are unknown. */
export function sliceSpacing(positions: readonly (Vec3 | undefined)[], orientation: Orientation | undefined): number | null {
  const normal = orientation ? sliceNormal(orientation) : null;
  if (!normal || positions.length < 2 || !positions.every((p) => p)) return null;
  const keys = positions.map((p) => dot(p as Vec3, normal));
  const span = Math.abs((keys[keys.length - 1] ?? 0) - (keys[0] ?? 0));
  const step = span / (positions.length - 1);
  return step > 1e-6 ? step : null;
}

/** The unit direction from the first slice to the last in patient space (downwards on a reformatted plane). */
export function stackDirection(positions: readonly (Vec3 | undefined)[], orientation: Orientation | undefined): Vec3 | null {
  const a = positions[0];
  const b = positions[positions.length - 1];
  if (a && b && positions.length > 1) {
    const d: Vec3 = [b[0] - a[0], b[1] - a[1], b[2] - a[2]];
    const len = Math.hypot(...d);
    if (len > 1e-6) return [d[0] / len, d[1] / len, d[2] / len];
  }
  const n = orientation ? sliceNormal(orientation) : null;
  return n ? neg(firstSliceDirection(n)) : null;
}
