// DICOM SEG import: segments and frames mapped back onto the slices of their source series as label maps.
import { readFile } from 'node:fs/promises';
import type { DataSet } from 'dicom-parser';
import { DicomError, describeError } from '../dicom/errors.js';
import { parseDicomBytes } from '../dicom/parse.js';
import { firstItem, functionalGroup, numbers, readPixelFormat, str } from '../dicom/metadata.js';
import { decodeDataSet } from '../dicom/pixels/decode.js';
import { dot, sliceNormal } from '../dicom/geometry.js';
import type { SeriesIndex } from '../dicom/indexer.js';
import { TAG } from '../dicom/tags.js';
import { SEG_SOP_CLASS_UID } from './seg-export.js';
import { proposedSegment, type Code, type MaskVolume, type Segment, type SegmentAlgorithmType } from './model.js';

function readCode(item: DataSet | undefined): Code | undefined {
  if (!item) return undefined;
  return { value: str(item, 'x00080100'), scheme: str(item, 'x00080102'), meaning: str(item, 'x00080104') };
}

/** CIELab (DICOM scaled) back to sRGB, so colours survive a round trip. */
export function dicomLabToRgb(lab: readonly number[]): [number, number, number] {
  const L = ((lab[0] ?? 0) / 65535) * 100;
  const a = ((lab[1] ?? 0) / 65535) * 255 - 128;
  const b = ((lab[2] ?? 0) / 65535) * 255 - 128;
  const fy = (L + 16) / 116;
  const finv = (t: number): number => (t ** 3 > 216 / 24389 ? t ** 3 : (116 * t - 16) / (24389 / 27));
  const [x, y, z] = [finv(fy + a / 500) * 0.95047, finv(fy), finv(fy - b / 200) * 1.08883];
  const rgb = [3.2406 * x - 1.5372 * y - 0.4986 * z, -0.9689 * x + 1.8758 * y + 0.0415 * z, 0.0557 * x - 0.204 * y + 1.057 * z];
  const gamma = (c: number): number => Math.round(255 * Math.min(1, Math.max(0, c <= 0.0031308 ? 12.92 * c : 1.055 * c ** (1 / 2.4) - 0.055)));
  return rgb.map(gamma) as [number, number, number];
}

function readSegments(ds: DataSet): Segment[] {
  const items = ds.elements[TAG.segmentSequence]?.items ?? [];
  return items.map((it, i) => {
    const s = it.dataSet!;
    const label = s.uint16(TAG.segmentNumber) ?? i + 1;
    if (label < 1 || label > 255) throw new Error(`Segment Number (0062,0004) ${label} does not fit an 8-bit label map`);
    const type = str(s, TAG.segmentAlgorithmType) as SegmentAlgorithmType;
    const lab = [0, 1, 2].map((k) => s.uint16(TAG.recommendedDisplayCIELab, k) ?? 0);
    const base = proposedSegment(label, str(s, TAG.segmentLabel) || `Segment ${label}`);
    return {
      ...base,
      algorithmType: type === 'MANUAL' || type === 'SEMIAUTOMATIC' ? type : 'AUTOMATIC',
      algorithmName: str(s, 'x00620009'),
      reviewStatus: type === 'AUTOMATIC' ? 'proposed' : 'edited',
      color: s.elements[TAG.recommendedDisplayCIELab] ? dicomLabToRgb(lab) : base.color,
      category: readCode(firstItem(s, 'x00620003')) ?? base.category,
      type: readCode(firstItem(s, 'x0062000f')) ?? base.type,
    };
  });
}

/** Reads a DICOM SEG and lays its frames onto `series` (matched by SOP Instance UID, else by plane position). */
export async function importSeg(source: string | Uint8Array, series: SeriesIndex, path = typeof source === 'string' ? source : '<memory>'): Promise<MaskVolume> {
  const bytes = typeof source === 'string' ? await readFile(source) : source;
  const { dataSet: ds, transferSyntax } = parseDicomBytes(bytes, path);
  try {
    if (str(ds, TAG.sopClassUID) !== SEG_SOP_CLASS_UID) throw new Error('not a DICOM Segmentation object');
    const fmt = readPixelFormat(ds);
    const first = series.slices[0];
    if (!first) throw new Error('target series has no slices');
    if (fmt.rows !== first.rows || fmt.columns !== first.columns) throw new Error(`SEG is ${fmt.columns}×${fmt.rows}, series is ${first.columns}×${first.rows}`);
    const fractional = str(ds, TAG.segmentationType) === 'FRACTIONAL';
    const threshold = fractional ? (numbers(ds, 'x00620014')?.[0] ?? 255) / 2 : 0.5;
    const segments = readSegments(ds);
    const known = new Set(segments.map((sg) => sg.label));
    if (known.size !== segments.length) throw new Error('Segment Sequence defines one Segment Number (0062,0004) twice');
    const bySop = new Map(series.slices.map((s, k) => [`${s.sopInstanceUID}#${s.frameIndex}`, k]));
    const normal = sliceNormal(first.geometry.orientation);
    const slicePos = series.slices.map((s) => (normal && s.geometry.position ? dot(s.geometry.position, normal) : NaN));
    const slices = series.slices.map(() => new Uint8Array(fmt.rows * fmt.columns));
    for (let f = 0; f < fmt.numberOfFrames; f++) {
      const segNo = functionalGroup(ds, f, TAG.segmentIdentificationSequence)?.uint16(TAG.referencedSegmentNumber);
      if (segNo === undefined) throw new Error(`frame ${f + 1} has no Referenced Segment Number`);
      // A number the Segment Sequence does not define would land as an empty (256) or orphan (300 → 44) label.
      if (!known.has(segNo)) throw new Error(`frame ${f + 1}: Referenced Segment Number (0062,000B) ${segNo} is not in the Segment Sequence (segments ${[...known].join(', ') || 'none'})`);
      const sourceItem = firstItem(functionalGroup(ds, f, TAG.derivationImageSequence), TAG.sourceImageSequence);
      const refFrame = (numbers(sourceItem, 'x00081160')?.[0] ?? 1) - 1;
      let k = bySop.get(`${str(sourceItem, TAG.referencedSOPInstanceUID)}#${refFrame}`);
      if (k === undefined) {
        const pos = numbers(functionalGroup(ds, f, TAG.planePositionSequence), TAG.imagePositionPatient);
        if (pos && normal) {
          const d = dot([pos[0]!, pos[1]!, pos[2]!], normal);
          const best = slicePos.reduce((bi, p, i) => (Math.abs(p - d) < Math.abs(slicePos[bi]! - d) ? i : bi), 0);
          if (Math.abs(slicePos[best]! - d) < 0.01 + Math.abs((slicePos[1] ?? slicePos[0]!) - slicePos[0]!) / 2) k = best;
        }
      }
      if (k === undefined) throw new Error(`frame ${f + 1} references no slice of series ${series.seriesInstanceUID}`);
      const frame = await decodeDataSet(ds, transferSyntax, path, f);
      const target = slices[k]!;
      for (let i = 0; i < target.length; i++) if (frame.stored[i]! > threshold) target[i] = segNo;
    }
    return { width: fmt.columns, height: fmt.rows, slices, segments };
  } catch (err) {
    throw new DicomError(path, `cannot import SEG: ${describeError(err)}`);
  }
}
