// Series geometry checks before volume work: mixed sizes, several orientations, gaps, uneven spacing, missing slices.
import { basename } from 'node:path';
import type { SeriesIndex, SliceRef } from '../dicom/indexer';
import { dot, sliceNormal } from '../dicom/geometry';

export type SeriesIssueKind = 'mixed-size' | 'orientation' | 'no-position' | 'same-position' | 'gap' | 'uneven-spacing' | 'missing-instance';

export interface SeriesIssue {
  readonly kind: SeriesIssueKind;
  /** The slice (file) the issue is about; for gaps, the slice after the gap. */
  readonly path: string;
  /** Its index in the series' slice order. */
  readonly slice: number;
  readonly reason: string;
  /**
   * The series cannot be treated as one volume across this slice (another grid or orientation, two slices in one
   * place): volume work stops here.
   */
  readonly breaksVolume: boolean;
}

export interface SeriesGeometry {
  /** Position of each slice along the first slice's normal (mm), or the slice index where positions are missing. */
  readonly positions: readonly number[];
  /** Median step between neighbouring slices (mm, or 1 without positions). */
  readonly step: number;
  readonly issues: readonly SeriesIssue[];
}

const sliceName = (s: SliceRef) => (s.frameIndex > 0 ? `${s.path} (frame ${s.frameIndex + 1})` : s.path);

/**
 * Checks that a series is one regular stack, and names every slice where it is not. Gaps (a step over 1.5× the
 * median) and uneven spacing (over 10 % off) are reported but keep the volume (positions say how far apart slices
 * are); a size or orientation change or two slices at one position break it.
 */
export function checkSeriesGeometry(series: SeriesIndex): SeriesGeometry {
  const slices = series.slices;
  const issues: SeriesIssue[] = [];
  const first = slices[0];
  if (!first) return { positions: [], step: 1, issues };
  const add = (kind: SeriesIssueKind, k: number, reason: string, breaksVolume: boolean) =>
    issues.push({ kind, path: sliceName(slices[k] as SliceRef), slice: k, reason, breaksVolume });

  // The grid most slices share is the series'; the others are named (a localizer filed with the axials, say).
  const sizes = new Map<string, number>();
  for (const s of slices) sizes.set(`${s.columns}×${s.rows}`, (sizes.get(`${s.columns}×${s.rows}`) ?? 0) + 1);
  const common = [...sizes.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] as string;
  slices.forEach((s, k) => {
    const size = `${s.columns}×${s.rows}`;
    if (size !== common) add('mixed-size', k, `${basename(s.path)} is ${size}, the series is ${common}`, true);
  });

  const o = first.geometry.orientation;
  slices.forEach((s, k) => {
    const p = s.geometry.orientation;
    if (!o || !p) return;
    const off = Math.max(...p.map((v, i) => Math.abs(v - (o[i] as number))));
    if (off > 1e-3) add('orientation', k, `${basename(s.path)} has orientation ${p.map((v) => v.toFixed(3)).join('\\')}, the first slice ${o.map((v) => v.toFixed(3)).join('\\')}`, true);
  });

  const normal = sliceNormal(o);
  const withPosition = normal !== undefined && slices.every((s) => s.geometry.position !== undefined);
  if (!withPosition) {
    const k = slices.findIndex((s) => !s.geometry.position);
    add('no-position', Math.max(0, k), `${normal ? 'no ImagePositionPatient' : 'no ImageOrientationPatient'}: slices are ordered by Instance Number and taken as evenly spaced`, false);
  }
  const positions = withPosition ? slices.map((s) => dot(s.geometry.position!, normal!)) : slices.map((_, k) => k);
  const steps = positions.slice(1).map((p, k) => p - (positions[k] as number));
  const sorted = steps.map(Math.abs).sort((a, b) => a - b);
  const step = withPosition && sorted.length ? (sorted[sorted.length >> 1] as number) : 1;
  if (withPosition) {
    steps.forEach((d, k) => {
      const a = slices[k] as SliceRef, b = slices[k + 1] as SliceRef;
      const gap = Math.abs(d);
      if (gap < 1e-3) add('same-position', k + 1, `${basename(b.path)} lies at the same position as ${basename(a.path)}`, true);
      else if (step > 0 && gap > 1.5 * step) {
        const missing = Math.round(gap / step) - 1;
        add('gap', k + 1, `${gap.toFixed(2)} mm between ${basename(a.path)} and ${basename(b.path)} where slices are ${step.toFixed(2)} mm apart: about ${missing} slice(s) missing`, false);
      } else if (step > 0 && Math.abs(gap - step) > 0.1 * step) {
        add('uneven-spacing', k + 1, `${gap.toFixed(2)} mm between ${basename(a.path)} and ${basename(b.path)}, the series' step is ${step.toFixed(2)} mm`, false);
      }
    });
  }
  // Without positions, Instance Numbers that jump further than usual are the only sign of a slice not exported.
  if (!withPosition) {
    const jumps = slices.slice(1).map((s, k) => (s.instanceNumber !== undefined && slices[k]?.instanceNumber !== undefined && s.path !== slices[k]?.path ? Math.abs(s.instanceNumber - (slices[k]?.instanceNumber as number)) : undefined));
    const known = jumps.filter((j): j is number => j !== undefined && j > 0).sort((a, b) => a - b);
    const usual = known[known.length >> 1] ?? 1;
    jumps.forEach((j, k) => {
      if (j === undefined || j <= usual) return;
      const a = slices[k] as SliceRef, b = slices[k + 1] as SliceRef;
      add('missing-instance', k + 1, `Instance Number jumps from ${a.instanceNumber} (${basename(a.path)}) to ${b.instanceNumber} (${basename(b.path)}), usually by ${usual}: about ${Math.round(j / usual) - 1} slice(s) missing`, false);
    });
  }
  return { positions, step, issues };
}

const LINK_KINDS = new Set<SeriesIssueKind>(['gap', 'same-position', 'missing-instance']);
const SLICE_KINDS = new Set<SeriesIssueKind>(['mixed-size', 'orientation']);

/**
 * Why volume work may not step from slice `from` to its neighbour `to` (one apart), or undefined when it may: the
 * neighbour has another grid or orientation, or a gap, a missing instance or a shared position lies between them.
 */
export function stepBlocked(geometry: SeriesGeometry, from: number, to: number): string | undefined {
  if (Math.abs(to - from) !== 1) throw new RangeError(`slices ${from} and ${to} are not neighbours`);
  const link = Math.max(from, to);
  const issue = geometry.issues.find((i) => (SLICE_KINDS.has(i.kind) && i.slice === to) || (LINK_KINDS.has(i.kind) && i.slice === link));
  return issue?.reason;
}
