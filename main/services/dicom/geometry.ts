// Slice geometry: normals, ordering along the normal, and the voxel→patient (LPS) affine of a series.
import type { Vec3 } from './metadata.js';

export interface SliceGeometry {
  /** ImagePositionPatient of the first transmitted pixel (mm, LPS). */
  readonly position: Vec3 | undefined;
  /** ImageOrientationPatient: row direction, then column direction. */
  readonly orientation: readonly [number, number, number, number, number, number] | undefined;
  /** [row spacing, column spacing] (mm). */
  readonly pixelSpacing: readonly [number, number] | undefined;
  readonly sliceThickness: number | undefined;
}

export function cross(a: Vec3, b: Vec3): Vec3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

export function dot(a: Vec3, b: Vec3): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

export function sliceNormal(orientation: SliceGeometry['orientation']): Vec3 | undefined {
  if (!orientation) return undefined;
  const n = cross([orientation[0], orientation[1], orientation[2]], [orientation[3], orientation[4], orientation[5]]);
  const len = Math.hypot(n[0], n[1], n[2]);
  return len > 1e-6 ? [n[0] / len, n[1] / len, n[2] / len] : undefined;
}

export interface Orderable {
  readonly position: Vec3 | undefined;
  readonly instanceNumber: number | undefined;
  readonly frameIndex: number;
  readonly path: string;
}

/**
 * Orders slices by ImagePositionPatient projected on the slice normal when every slice has one;
 * otherwise by InstanceNumber, then frame index and path so the order is always deterministic.
 */
export function orderSlices<T extends Orderable>(slices: readonly T[], normal: Vec3 | undefined): T[] {
  const byPosition = normal !== undefined && slices.every((s) => s.position !== undefined);
  const key = (s: T): number => (byPosition ? dot(s.position!, normal!) : (s.instanceNumber ?? Number.POSITIVE_INFINITY));
  return [...slices].sort(
    (a, b) => key(a) - key(b) || a.frameIndex - b.frameIndex || a.path.localeCompare(b.path),
  );
}

/**
 * Row-major 4×4 voxel→patient (LPS, mm) affine for ordered slices: voxel (i = column, j = row, k = slice).
 * The slice step comes from first/last positions, so it also holds for reversed or oblique stacks.
 */
export function seriesAffineLPS(slices: readonly SliceGeometry[]): number[][] {
  const first = slices[0];
  if (!first?.orientation || !first.position) throw new Error('series has no ImagePositionPatient/ImageOrientationPatient');
  const o = first.orientation;
  const [rowSpacing, colSpacing] = first.pixelSpacing ?? [1, 1];
  const x: Vec3 = [o[0] * colSpacing, o[1] * colSpacing, o[2] * colSpacing];
  const y: Vec3 = [o[3] * rowSpacing, o[4] * rowSpacing, o[5] * rowSpacing];
  let z: Vec3;
  const last = slices[slices.length - 1];
  if (slices.length > 1 && last?.position) {
    const n = slices.length - 1;
    z = [(last.position[0] - first.position[0]) / n, (last.position[1] - first.position[1]) / n, (last.position[2] - first.position[2]) / n];
  } else {
    const normal = sliceNormal(o) ?? [0, 0, 1];
    const t = first.sliceThickness ?? 1;
    z = [normal[0] * t, normal[1] * t, normal[2] * t];
  }
  const p = first.position;
  return [
    [x[0], y[0], z[0], p[0]],
    [x[1], y[1], z[1], p[1]],
    [x[2], y[2], z[2], p[2]],
    [0, 0, 0, 1],
  ];
}
