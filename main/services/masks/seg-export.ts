// DICOM SEG (binary) export: one segment per label, frames referencing each source SOP instance with plane geometry.
import type { SeriesIndex, SliceRef } from '../dicom/indexer.js';
import { sliceNormal, dot } from '../dicom/geometry.js';
import { concat, ds, el, encodePart10, type Element, type Item } from './dicom-writer.js';
import type { Code, MaskVolume, Segment } from './model.js';
import { validateMaskVolume } from './model.js';
import { IMPLEMENTATION_CLASS_UID, newUid } from './uid.js';

export const SEG_SOP_CLASS_UID = '1.2.840.10008.5.1.4.1.1.66.4';

export interface SegExportOptions {
  readonly seriesDescription?: string;
  readonly contentLabel?: string;
  readonly seriesNumber?: number;
  /**
   * The slices (indices into series.slices) this SEG covers: only these are referenced and may carry frames, so a SEG
   * of part of a series says exactly which images were segmented. All slices when absent.
   */
  readonly cover?: readonly number[];
  /** The person who reviewed the masks (ContentCreatorName, PN). */
  readonly contentCreator?: string;
  /** Fixed clock for reproducible output in tests. */
  readonly now?: Date;
  /** Given UIDs instead of new ones (a SEG whose identity derives from its source and model, see services/pacs). */
  readonly uids?: { readonly seriesInstanceUID: string; readonly sopInstanceUID: string };
}

const code = (c: Code): Item => [el(0x00080100, 'SH', c.value), el(0x00080102, 'SH', c.scheme), el(0x00080104, 'LO', c.meaning)];

/** sRGB → CIELab scaled to 0–65535 (PS3.3 C.10.7.1.1), the colour DICOM SEG records for each segment. */
export function rgbToDicomLab([r, g, b]: readonly [number, number, number]): number[] {
  const lin = (c: number): number => ((c /= 255) <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
  const [R, G, B] = [lin(r), lin(g), lin(b)];
  const x = (0.4124 * R + 0.3576 * G + 0.1805 * B) / 0.95047;
  const y = 0.2126 * R + 0.7152 * G + 0.0722 * B;
  const z = (0.0193 * R + 0.1192 * G + 0.9505 * B) / 1.08883;
  const f = (t: number): number => (t > 216 / 24389 ? Math.cbrt(t) : (24389 / 27 * t + 16) / 116);
  const L = 116 * f(y) - 16;
  const a = 500 * (f(x) - f(y));
  const bb = 200 * (f(y) - f(z));
  return [Math.round((L / 100) * 65535), Math.round(((a + 128) / 255) * 65535), Math.round(((bb + 128) / 255) * 65535)];
}

function segmentItem(s: Segment): Item {
  const item: Element[] = [
    el(0x00620003, 'SQ', [code(s.category)]),
    el(0x00620004, 'US', [s.label]),
    el(0x00620005, 'LO', s.name.slice(0, 64)),
    el(0x00620008, 'CS', s.algorithmType),
    el(0x0062000d, 'US', rgbToDicomLab(s.color)),
    el(0x0062000f, 'SQ', [code(s.type)]),
  ];
  if (s.algorithmType !== 'MANUAL') item.push(el(0x00620009, 'LO', s.algorithmName || 'S3-Net'));
  return item;
}

/** A typed name as a DICOM PN: "Ada Lovelace" → "Lovelace^Ada"; one already in PN form is kept; 64 characters at most. */
export function personName(name: string): string {
  const t = [...name].map((ch) => (ch === '\\' || ch.charCodeAt(0) < 32 ? ' ' : ch)).join('').trim().replace(/\s+/g, ' ');
  if (!t || t.includes('^')) return t.slice(0, 64);
  const parts = t.split(' ');
  return (parts.length > 1 ? `${parts.at(-1)}^${parts.slice(0, -1).join(' ')}` : t).slice(0, 64);
}

function dicomDateTime(d: Date): { date: string; time: string } {
  const iso = d.toISOString();
  return { date: iso.slice(0, 10).replace(/-/g, ''), time: iso.slice(11, 19).replace(/:/g, '') };
}

/** Packs frames of 0/1 pixels bit-contiguously, least significant bit first (PS3.5 8.1.1), padded to even length. */
function packBits(frames: readonly Uint8Array[], label: readonly number[]): Uint8Array {
  const pixels = frames[0]?.length ?? 0;
  const totalBits = frames.length * pixels;
  const out = new Uint8Array(Math.ceil(totalBits / 8) + (Math.ceil(totalBits / 8) % 2));
  let bit = 0;
  frames.forEach((f, i) => {
    const l = label[i]!;
    for (let p = 0; p < pixels; p++, bit++) if (f[p] === l) out[bit >> 3]! |= 1 << (bit & 7);
  });
  return out;
}

/** Builds a DICOM SEG for `volume` on `series` (label maps in series.slices order). Returns the Part 10 bytes. */
export function buildSeg(series: SeriesIndex, volume: MaskVolume, options: SegExportOptions = {}): { bytes: Uint8Array; sopInstanceUID: string; seriesInstanceUID: string } {
  validateMaskVolume(volume);
  const slices = series.slices;
  if (slices.length !== volume.slices.length) throw new Error(`${volume.slices.length} label maps for ${slices.length} slices`);
  const first = slices[0];
  if (!first) throw new Error('series has no slices');
  if (first.columns !== volume.width || first.rows !== volume.height) throw new Error('mask size differs from the images');
  const orientation = first.geometry.orientation;
  if (!orientation || slices.some((s) => !s.geometry.position)) throw new Error('DICOM SEG needs ImagePositionPatient and ImageOrientationPatient on every slice');
  const missing = [
    !series.studyInstanceUID && 'Study Instance UID',
    !series.seriesInstanceUID && 'Series Instance UID',
    slices.some((s) => !s.sopInstanceUID || !s.sopClassUID) && 'SOP Instance/Class UIDs',
  ].filter(Boolean);
  if (missing.length) {
    throw new Error(`source series has no ${missing.join(', ')} (de-identified?): a DICOM SEG must reference them; export NIfTI or PNG instead`);
  }
  const cover = [...new Set(options.cover ?? slices.map((_, i) => i))].sort((a, b) => a - b);
  if (cover.length === 0) throw new Error('a DICOM SEG must cover at least one slice');
  if (cover.some((i) => !Number.isInteger(i) || i < 0 || i >= slices.length)) throw new Error(`slice indices to cover must be in 0–${slices.length - 1}`);
  const src = series.instances[0]!;
  const sopInstanceUID = options.uids?.sopInstanceUID ?? newUid();
  const seriesInstanceUID = options.uids?.seriesInstanceUID ?? newUid();
  const { date, time } = dicomDateTime(options.now ?? new Date());
  const normal = sliceNormal(orientation)!;
  const spacing = slices.length > 1 ? Math.abs(dot(slices[1]!.geometry.position!, normal) - dot(first.geometry.position!, normal)) : (first.geometry.sliceThickness ?? 1);
  const multiFrameSource = new Set(series.instances.filter((i) => i.pixel.numberOfFrames > 1).map((i) => i.sopInstanceUID));

  const frames: Uint8Array[] = [];
  const frameLabels: number[] = [];
  const perFrame: Item[] = [];
  for (const seg of volume.segments) {
    const used = cover.filter((i) => volume.slices[i]!.includes(seg.label));
    // A segment with no pixels still needs one frame so readers see it exists.
    for (const i of used.length ? used : [cover[0]!]) {
      const s: SliceRef = slices[i]!;
      frames.push(volume.slices[i]!);
      frameLabels.push(used.length ? seg.label : -1);
      const source: Element[] = [
        el(0x00081150, 'UI', s.sopClassUID),
        el(0x00081155, 'UI', s.sopInstanceUID),
        el(0x0040a170, 'SQ', [code({ value: '121322', scheme: 'DCM', meaning: 'Source image for image processing operation' })]),
      ];
      if (multiFrameSource.has(s.sopInstanceUID)) source.push(el(0x00081160, 'IS', String(s.frameIndex + 1)));
      perFrame.push([
        el(0x00089124, 'SQ', [[el(0x00082112, 'SQ', [source]), el(0x00089215, 'SQ', [code({ value: '113076', scheme: 'DCM', meaning: 'Segmentation' })])]]),
        el(0x00209111, 'SQ', [[el(0x00209157, 'UL', [seg.label, i + 1])]]),
        el(0x00209113, 'SQ', [[el(0x00200032, 'DS', ds(s.geometry.position!))]]),
        // Orientation per frame, not shared: a series may mix orientations and each frame must carry its own.
        el(0x00209116, 'SQ', [[el(0x00200037, 'DS', ds(s.geometry.orientation ?? orientation))]]),
        el(0x0062000a, 'SQ', [[el(0x0062000b, 'US', [seg.label])]]),
      ]);
    }
  }
  const dimensionOrg = newUid();
  const id = src.identity;
  const referenced = new Map<string, string>();
  for (const i of cover) referenced.set(slices[i]!.sopInstanceUID, slices[i]!.sopClassUID);
  const dataSet: Element[] = [
    el(0x00080005, 'CS', 'ISO_IR 100'),
    el(0x00080008, 'CS', 'DERIVED\\PRIMARY'),
    el(0x00080016, 'UI', SEG_SOP_CLASS_UID),
    el(0x00080018, 'UI', sopInstanceUID),
    el(0x00080020, 'DA', id.StudyDate),
    el(0x00080021, 'DA', date),
    el(0x00080023, 'DA', date),
    el(0x00080030, 'TM', id.StudyTime),
    el(0x00080031, 'TM', time),
    el(0x00080033, 'TM', time),
    el(0x00080050, 'SH', id.AccessionNumber),
    el(0x00080060, 'CS', 'SEG'),
    el(0x00080070, 'LO', 'S3 Annotate'),
    el(0x00080090, 'PN', id.ReferringPhysicianName),
    el(0x00081030, 'LO', id.StudyDescription),
    el(0x0008103e, 'LO', (options.seriesDescription ?? 'S3-Net segmentation').slice(0, 64)),
    el(0x00081090, 'LO', 'S3 Annotate'),
    el(0x00081115, 'SQ', [[
      el(0x0008114a, 'SQ', [...referenced].map(([uid, cls]) => [el(0x00081150, 'UI', cls), el(0x00081155, 'UI', uid)])),
      el(0x0020000e, 'UI', series.seriesInstanceUID),
    ]]),
    el(0x00100010, 'PN', id.PatientName),
    el(0x00100020, 'LO', id.PatientID),
    el(0x00100030, 'DA', id.PatientBirthDate),
    el(0x00100040, 'CS', id.PatientSex),
    el(0x00181000, 'LO', '1'),
    el(0x00181020, 'LO', '0.1.0'),
    el(0x0020000d, 'UI', series.studyInstanceUID),
    el(0x0020000e, 'UI', seriesInstanceUID),
    el(0x00200010, 'SH', id.StudyID),
    el(0x00200011, 'IS', String(options.seriesNumber ?? 9901)),
    el(0x00200013, 'IS', '1'),
    el(0x00200052, 'UI', series.frameOfReferenceUID || newUid()),
    el(0x00201040, 'LO', ''),
    el(0x00209221, 'SQ', [[el(0x00209164, 'UI', dimensionOrg)]]),
    el(0x00209222, 'SQ', [
      [el(0x00209164, 'UI', dimensionOrg), el(0x00209165, 'AT', [0x0062000b]), el(0x00209167, 'AT', [0x0062000a]), el(0x00209421, 'LO', 'ReferencedSegmentNumber')],
      [el(0x00209164, 'UI', dimensionOrg), el(0x00209165, 'AT', [0x00200032]), el(0x00209167, 'AT', [0x00209113]), el(0x00209421, 'LO', 'ImagePositionPatient')],
    ]),
    el(0x00280002, 'US', [1]),
    el(0x00280004, 'CS', 'MONOCHROME2'),
    el(0x00280008, 'IS', String(frames.length)),
    el(0x00280010, 'US', [volume.height]),
    el(0x00280011, 'US', [volume.width]),
    el(0x00280100, 'US', [1]),
    el(0x00280101, 'US', [1]),
    el(0x00280102, 'US', [0]),
    el(0x00280103, 'US', [0]),
    el(0x00282110, 'CS', '00'),
    el(0x00620001, 'CS', 'BINARY'),
    el(0x00620002, 'SQ', volume.segments.map(segmentItem)),
    el(0x00700080, 'CS', (options.contentLabel ?? 'S3NET').toUpperCase().replace(/[^A-Z0-9_ ]/g, '_').slice(0, 16)),
    el(0x00700081, 'LO', 'S3-Net proposal reviewed in S3 Annotate'),
    el(0x00700084, 'PN', personName(options.contentCreator ?? '')),
    el(0x52009229, 'SQ', [[
      el(0x00289110, 'SQ', [[
        el(0x00180050, 'DS', ds([first.geometry.sliceThickness ?? spacing])),
        el(0x00180088, 'DS', ds([spacing || 1])),
        el(0x00280030, 'DS', ds(first.geometry.pixelSpacing ?? [1, 1])),
      ]]),
    ]]),
    el(0x52009230, 'SQ', perFrame),
    el(0x7fe00010, 'OB', packBits(frames, frameLabels)),
  ];
  const bytes = encodePart10(dataSet, { sopClassUID: SEG_SOP_CLASS_UID, sopInstanceUID, implementationUID: IMPLEMENTATION_CLASS_UID });
  return { bytes: concat([bytes]), sopInstanceUID, seriesInstanceUID };
}
