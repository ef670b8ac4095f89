// NIfTI-1 label maps (.nii.gz): export with the affine from DICOM geometry (LPS → RAS), import by patient position.
import { gzipSync, gunzipSync } from 'node:zlib';
import type { SeriesIndex } from '../dicom/indexer.js';
import { seriesAffineLPS } from '../dicom/geometry.js';
import type { MaskVolume } from './model.js';
import { MAX_INFLATED_BYTES } from '../budget.js';
import { volumeFromLabelMaps } from './model.js';

const HEADER = 348;
const DATA_OFFSET = 352;

/** Voxel → RAS (mm) affine of the series: NIfTI is RAS+, DICOM is LPS+, so x and y flip sign. */
export function seriesAffineRAS(series: SeriesIndex): number[][] {
  const lps = seriesAffineLPS(series.slices.map((s) => s.geometry));
  return lps.map((row, r) => (r < 2 ? row.map((v) => -v) : row));
}

/** qform quaternion for an orthogonal affine (PS: NIfTI-1 header docs, "method 2"). */
function quaternion(a: number[][]): { b: number; c: number; d: number; qfac: number; pixdim: [number, number, number] } {
  const col = (j: number): [number, number, number] => [a[0]![j]!, a[1]![j]!, a[2]![j]!];
  const len = (v: number[]): number => Math.hypot(v[0]!, v[1]!, v[2]!) || 1;
  const cols = [col(0), col(1), col(2)];
  const pixdim = cols.map(len) as [number, number, number];
  const r = cols.map((v, j) => v.map((x) => x / pixdim[j]!));
  const det = r[0]![0]! * (r[1]![1]! * r[2]![2]! - r[2]![1]! * r[1]![2]!) - r[1]![0]! * (r[0]![1]! * r[2]![2]! - r[2]![1]! * r[0]![2]!) + r[2]![0]! * (r[0]![1]! * r[1]![2]! - r[1]![1]! * r[0]![2]!);
  const qfac = det < 0 ? -1 : 1;
  if (qfac < 0) r[2] = r[2]!.map((x) => -x);
  // R[i][j] = row i, column j; r holds columns.
  const R = (i: number, j: number): number => r[j]![i]!;
  const trace = R(0, 0) + R(1, 1) + R(2, 2);
  let w: number, x: number, y: number, z: number;
  if (trace > 0) {
    const s = 0.5 / Math.sqrt(trace + 1);
    w = 0.25 / s;
    x = (R(2, 1) - R(1, 2)) * s;
    y = (R(0, 2) - R(2, 0)) * s;
    z = (R(1, 0) - R(0, 1)) * s;
  } else if (R(0, 0) > R(1, 1) && R(0, 0) > R(2, 2)) {
    const s = 2 * Math.sqrt(1 + R(0, 0) - R(1, 1) - R(2, 2));
    w = (R(2, 1) - R(1, 2)) / s;
    x = 0.25 * s;
    y = (R(0, 1) + R(1, 0)) / s;
    z = (R(0, 2) + R(2, 0)) / s;
  } else if (R(1, 1) > R(2, 2)) {
    const s = 2 * Math.sqrt(1 + R(1, 1) - R(0, 0) - R(2, 2));
    w = (R(0, 2) - R(2, 0)) / s;
    x = (R(0, 1) + R(1, 0)) / s;
    y = 0.25 * s;
    z = (R(1, 2) + R(2, 1)) / s;
  } else {
    const s = 2 * Math.sqrt(1 + R(2, 2) - R(0, 0) - R(1, 1));
    w = (R(1, 0) - R(0, 1)) / s;
    x = (R(0, 2) + R(2, 0)) / s;
    y = (R(1, 2) + R(2, 1)) / s;
    z = 0.25 * s;
  }
  if (w < 0) [x, y, z] = [-x, -y, -z]; // NIfTI stores b, c, d with a ≥ 0
  return { b: x, c: y, d: z, qfac, pixdim };
}

/** Encodes label maps (one per slice, series order) as a gzipped NIfTI-1 uint8 volume. */
export function encodeNifti(series: SeriesIndex, volume: MaskVolume): Uint8Array {
  const { width, height, slices } = volume;
  const affine = seriesAffineRAS(series);
  const buf = Buffer.alloc(DATA_OFFSET + width * height * slices.length);
  buf.writeInt32LE(HEADER, 0);
  [3, width, height, slices.length, 1, 1, 1, 1].forEach((v, i) => buf.writeInt16LE(v, 40 + 2 * i));
  buf.writeInt16LE(1002, 68); // NIFTI_INTENT_LABEL: viewers show it as a label map, not intensities
  buf.writeInt16LE(2, 70); // DT_UINT8
  buf.writeInt16LE(8, 72);
  const q = quaternion(affine);
  [q.qfac, ...q.pixdim, 1, 1, 1, 1].forEach((v, i) => buf.writeFloatLE(v, 76 + 4 * i));
  buf.writeFloatLE(DATA_OFFSET, 108);
  buf.writeFloatLE(1, 112);
  buf.writeUInt8(2, 123); // NIFTI_UNITS_MM
  buf.write('S3 Annotate label map', 148, 'latin1');
  buf.writeInt16LE(1, 252); // qform: scanner anatomical
  buf.writeInt16LE(1, 254); // sform: scanner anatomical
  [q.b, q.c, q.d, affine[0]![3]!, affine[1]![3]!, affine[2]![3]!].forEach((v, i) => buf.writeFloatLE(v, 256 + 4 * i));
  for (let r = 0; r < 3; r++) for (let c = 0; c < 4; c++) buf.writeFloatLE(affine[r]![c]!, 280 + 16 * r + 4 * c);
  buf.write('Label', 328, 'latin1');
  buf.write('n+1\0', 344, 'latin1');
  slices.forEach((s, k) => buf.set(s, DATA_OFFSET + k * width * height));
  return gzipSync(buf);
}

export interface NiftiVolume {
  /** The file it came from (named in every refusal). */
  readonly path: string;
  readonly dims: readonly [number, number, number];
  /** Voxel → RAS mm, 4×4 row-major. */
  readonly affine: number[][];
  readonly read: (i: number, j: number, k: number) => number;
}

const DATATYPES: Record<number, { size: number; get: (v: DataView, o: number, le: boolean) => number }> = {
  2: { size: 1, get: (v, o) => v.getUint8(o) },
  4: { size: 2, get: (v, o, le) => v.getInt16(o, le) },
  8: { size: 4, get: (v, o, le) => v.getInt32(o, le) },
  16: { size: 4, get: (v, o, le) => v.getFloat32(o, le) },
  64: { size: 8, get: (v, o, le) => v.getFloat64(o, le) },
  256: { size: 1, get: (v, o) => v.getInt8(o) },
  512: { size: 2, get: (v, o, le) => v.getUint16(o, le) },
  768: { size: 4, get: (v, o, le) => v.getUint32(o, le) },
};

/** A NIfTI file refused for a named header field (or its data), with the file's name. */
export class NiftiError extends Error {
  constructor(
    readonly path: string,
    readonly field: string,
    reason: string,
  ) {
    super(`${path}: NIfTI ${field}: ${reason}`);
    this.name = 'NiftiError';
  }
}

/** Millimetres: a voxel larger than a metre or an origin a kilometre away is a damaged header, not a scan. */
const MAX_PIXDIM_MM = 1000;
const MAX_OFFSET_MM = 1e6;

/**
 * Parses a NIfTI-1 file (gzipped or not). Sizes from the header are checked against the bytes actually present, and
 * every value that positions or scales voxels must be finite and plausible: NaN in an affine row would otherwise
 * map every voxel to one place (one label everywhere) or nowhere (an empty mask), in silence.
 */
export function decodeNifti(file: Uint8Array, path = '<memory>'): NiftiVolume {
  const fail = (field: string, reason: string): never => {
    throw new NiftiError(path, field, reason);
  };
  let raw: Uint8Array = file;
  if (file[0] === 0x1f && file[1] === 0x8b) {
    try {
      raw = gunzipSync(file, { maxOutputLength: Math.min(MAX_INFLATED_BYTES, Math.max(1 << 24, file.length * 1100)) });
    } catch (err) {
      fail('gzip stream', (err as Error).message);
    }
  }
  if (raw.length < DATA_OFFSET) fail('header', 'file shorter than its 348-byte header');
  const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const le = v.getInt32(0, true) === HEADER;
  if (!le && v.getInt32(0, false) !== HEADER) fail('sizeof_hdr', 'is not 348: not a NIfTI-1 file');
  const f32 = (o: number): number => v.getFloat32(o, le);
  const finite = (field: string, x: number, limit = Infinity): number => {
    if (!Number.isFinite(x)) fail(field, `is ${x}`);
    if (Math.abs(x) > limit) fail(field, `${x} is implausible (limit ±${limit})`);
    return x;
  };
  const ndim = v.getInt16(40, le);
  if (ndim < 2 || ndim > 7) fail('dim[0]', `${ndim} dimensions`);
  const dims = [1, 2, 3].map((i) => (i <= ndim ? v.getInt16(40 + 2 * i, le) : 1)) as [number, number, number];
  if (dims.some((d) => d < 1)) fail('dim', `unsupported dimensions ${dims.join('×')}`);
  const type = DATATYPES[v.getInt16(70, le)];
  if (!type) fail('datatype', `${v.getInt16(70, le)} is not supported`);
  const size = type!.size;
  const voxOffset = finite('vox_offset', f32(108));
  if (voxOffset < 0) fail('vox_offset', `${voxOffset} is negative`);
  const offset = Math.max(DATA_OFFSET, Math.floor(voxOffset));
  if (offset + dims[0] * dims[1] * dims[2] * size > raw.length) fail('dim', `${dims.join('×')} voxels need more data than the file holds`);
  const slope = finite('scl_slope', f32(112)) || 1;
  const inter = finite('scl_inter', f32(116));
  let affine: number[][];
  if (v.getInt16(254, le) > 0) {
    affine = ['srow_x', 'srow_y', 'srow_z'].map((name, r) => [0, 1, 2, 3].map((c) => finite(`${name}[${c}]`, f32(280 + 16 * r + 4 * c), MAX_OFFSET_MM)));
  } else {
    const [b, c, d] = ['quatern_b', 'quatern_c', 'quatern_d'].map((name, k) => finite(name, f32(256 + 4 * k))) as [number, number, number];
    if (b * b + c * c + d * d > 1 + 1e-4) fail('quatern_b/c/d', `b² + c² + d² = ${(b * b + c * c + d * d).toFixed(4)} exceeds 1`);
    const a = Math.sqrt(Math.max(0, 1 - b * b - c * c - d * d));
    const qfac = finite('pixdim[0]', f32(76)) < 0 ? -1 : 1;
    const [dx, dy, dz] = [1, 2, 3].map((k) => {
      const p = finite(`pixdim[${k}]`, f32(76 + 4 * k), MAX_PIXDIM_MM);
      if (p <= 0) fail(`pixdim[${k}]`, `${p} is not a positive voxel size`);
      return p;
    }) as [number, number, number];
    const R = [
      [a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)],
      [2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b)],
      [2 * (b * d - a * c), 2 * (c * d + a * b), a * a + d * d - c * c - b * b],
    ];
    const q = ['qoffset_x', 'qoffset_y', 'qoffset_z'].map((name, k) => finite(name, f32(268 + 4 * k), MAX_OFFSET_MM));
    affine = R.map((row, r) => [row[0]! * dx, row[1]! * dy, row[2]! * dz * qfac, q[r]!]);
  }
  affine.push([0, 0, 0, 1]);
  const plane = dims[0] * dims[1];
  return {
    path,
    dims,
    affine,
    read: (i, j, k) => type!.get(v, offset + (i + j * dims[0] + k * plane) * size, le) * slope + inter,
  };
}

function invert4(m: number[][]): number[][] {
  // Affine inverse: [R t]⁻¹ = [R⁻¹ −R⁻¹t].
  const [a, b, c] = [m[0]!, m[1]!, m[2]!];
  const det = a[0]! * (b[1]! * c[2]! - b[2]! * c[1]!) - a[1]! * (b[0]! * c[2]! - b[2]! * c[0]!) + a[2]! * (b[0]! * c[1]! - b[1]! * c[0]!);
  if (!(Math.abs(det) >= 1e-12)) throw new Error('NIfTI affine is singular');
  const inv = [
    [(b[1]! * c[2]! - b[2]! * c[1]!) / det, (a[2]! * c[1]! - a[1]! * c[2]!) / det, (a[1]! * b[2]! - a[2]! * b[1]!) / det],
    [(b[2]! * c[0]! - b[0]! * c[2]!) / det, (a[0]! * c[2]! - a[2]! * c[0]!) / det, (a[2]! * b[0]! - a[0]! * b[2]!) / det],
    [(b[0]! * c[1]! - b[1]! * c[0]!) / det, (a[1]! * c[0]! - a[0]! * c[1]!) / det, (a[0]! * b[1]! - a[1]! * b[0]!) / det],
  ];
  const t = [a[3]!, b[3]!, c[3]!];
  return inv.map((row) => [...row, -(row[0]! * t[0]! + row[1]! * t[1]! + row[2]! * t[2]!)]);
}

/** Resamples a NIfTI label map onto a DICOM series by patient position (nearest voxel), whatever its orientation. */
export function niftiToSeriesMasks(nifti: NiftiVolume, series: SeriesIndex): MaskVolume {
  let toVoxel: number[][];
  try {
    toVoxel = invert4(nifti.affine);
  } catch (err) {
    throw new NiftiError(nifti.path, 'affine', (err as Error).message);
  }
  const first = series.slices[0];
  if (!first) throw new Error('series has no slices');
  const { columns: width, rows: height } = first;
  const lps = seriesAffineLPS(series.slices.map((s) => s.geometry));
  const slices = series.slices.map((s, k) => {
    const out = new Uint8Array(width * height);
    const p = s.geometry.position ?? [lps[0]![3]! + k * lps[0]![2]!, lps[1]![3]! + k * lps[1]![2]!, lps[2]![3]! + k * lps[2]![2]!];
    // Voxel coordinates are affine in (i, j): step along each row instead of a matrix product per pixel.
    const toVox = (ras: readonly number[]): number[] => toVoxel.map((row) => row[0]! * ras[0]! + row[1]! * ras[1]! + row[2]! * ras[2]! + row[3]!);
    const origin = toVox([-p[0], -p[1], p[2]]);
    const along = (c: number): number[] => {
      const v = toVox([-(p[0] + lps[0]![c]!), -(p[1] + lps[1]![c]!), p[2] + lps[2]![c]!]);
      return v.map((x, a) => x - origin[a]!);
    };
    const di = along(0);
    const dj = along(1);
    const [nx, ny, nz] = nifti.dims;
    for (let j = 0; j < height; j++) {
      let vx = origin[0]! + j * dj[0]!;
      let vy = origin[1]! + j * dj[1]!;
      let vz = origin[2]! + j * dj[2]!;
      for (let i = 0; i < width; i++, vx += di[0]!, vy += di[1]!, vz += di[2]!) {
        const x = Math.round(vx);
        const y = Math.round(vy);
        const z = Math.round(vz);
        if (x < 0 || y < 0 || z < 0 || x >= nx || y >= ny || z >= nz) continue;
        const value = nifti.read(x, y, z);
        const label = Math.round(value);
        // A label that an 8-bit map cannot hold (or a NaN voxel) is refused, never dropped to background.
        if (!(label >= 0 && label < 256)) throw new NiftiError(nifti.path, `voxel (${x}, ${y}, ${z})`, `value ${value} is not a label in 0–255`);
        out[j * width + i] = label;
      }
    }
    return out;
  });
  return volumeFromLabelMaps(width, height, slices, 'Label');
}
