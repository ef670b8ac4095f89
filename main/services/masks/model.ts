// The mask model: per-slice Uint8 label maps plus segment metadata, independent of how any viewer draws them.

export type SegmentAlgorithmType = 'AUTOMATIC' | 'SEMIAUTOMATIC' | 'MANUAL';
export type ReviewStatus = 'proposed' | 'edited' | 'accepted' | 'rejected';

/** A coded concept (DICOM code sequence item). */
export interface Code {
  readonly value: string;
  readonly scheme: string;
  readonly meaning: string;
}

export interface Segment {
  /** Value in the label maps, 1–255 (0 is background). Also the DICOM SEG segment number. */
  readonly label: number;
  readonly name: string;
  readonly color: readonly [number, number, number];
  readonly algorithmType: SegmentAlgorithmType;
  /** Required by DICOM SEG unless MANUAL. */
  readonly algorithmName: string;
  readonly reviewStatus: ReviewStatus;
  readonly category: Code;
  readonly type: Code;
}

export interface MaskVolume {
  readonly width: number;
  readonly height: number;
  /** One row-major label map per slice, in the series' slice order. */
  readonly slices: readonly Uint8Array[];
  readonly segments: readonly Segment[];
}

export const TISSUE: Code = { value: '85756007', scheme: 'SCT', meaning: 'Tissue' };
export const ANATOMICAL_STRUCTURE: Code = { value: '123037004', scheme: 'SCT', meaning: 'Anatomical Structure' };
export const LUNG: Code = { value: '39607008', scheme: 'SCT', meaning: 'Lung' };
export const LESION: Code = { value: '52988006', scheme: 'SCT', meaning: 'Lesion' };
export const MORPHOLOGICALLY_ABNORMAL: Code = { value: '49755003', scheme: 'SCT', meaning: 'Morphologically Altered Structure' };

export const DEFAULT_ALGORITHM_NAME = 'S3-Net';

/** A segment as the network proposes it: AUTOMATIC and awaiting review. */
export function proposedSegment(label: number, name: string, overrides: Partial<Omit<Segment, 'label' | 'name'>> = {}): Segment {
  if (!Number.isInteger(label) || label < 1 || label > 255) throw new RangeError(`segment label ${label} is not in 1–255`);
  return {
    label,
    name,
    color: [220, 80, 60],
    algorithmType: 'AUTOMATIC',
    algorithmName: DEFAULT_ALGORITHM_NAME,
    reviewStatus: 'proposed',
    category: TISSUE,
    type: TISSUE,
    ...overrides,
  };
}

/** After a person edits a proposal it is no longer AUTOMATIC: DICOM SEG must say SEMIAUTOMATIC. */
export function markEdited(segment: Segment): Segment {
  return {
    ...segment,
    algorithmType: segment.algorithmType === 'AUTOMATIC' ? 'SEMIAUTOMATIC' : segment.algorithmType,
    reviewStatus: 'edited',
  };
}

export function createMaskVolume(width: number, height: number, sliceCount: number, segments: readonly Segment[]): MaskVolume {
  return { width, height, slices: Array.from({ length: sliceCount }, () => new Uint8Array(width * height)), segments };
}

/** Throws when label maps and metadata disagree (wrong sizes, labels without a segment). */
export function validateMaskVolume(volume: MaskVolume): void {
  const known = new Set(volume.segments.map((s) => s.label));
  if (known.size !== volume.segments.length) throw new Error('two segments share a label');
  volume.slices.forEach((slice, i) => {
    if (slice.length !== volume.width * volume.height) throw new Error(`slice ${i} has ${slice.length} pixels, expected ${volume.width * volume.height}`);
    for (let p = 0; p < slice.length; p++) {
      const v = slice[p]!;
      if (v !== 0 && !known.has(v)) throw new Error(`slice ${i} uses label ${v}, which has no segment`);
    }
  });
}

/** Wraps plain label maps (e.g. from the CLI) with one proposed segment per label present. */
export function volumeFromLabelMaps(width: number, height: number, slices: readonly Uint8Array[], name = 'Segment'): MaskVolume {
  const labels = new Set<number>();
  for (const s of slices) for (let i = 0; i < s.length; i++) if (s[i]) labels.add(s[i]!);
  const sorted = [...labels].sort((a, b) => a - b);
  if (sorted.length === 0) sorted.push(1);
  return { width, height, slices, segments: sorted.map((l) => proposedSegment(l, sorted.length > 1 ? `${name} ${l}` : name)) };
}
