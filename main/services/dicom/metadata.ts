// Reads the header fields the app needs from a parsed data set: identity, geometry, pixel format, per-frame positions.
import type { DataSet } from 'dicom-parser';
import { TAG } from './tags.js';
import { DicomError, describeError } from './errors.js';

export type Vec3 = readonly [number, number, number];

export interface PixelFormat {
  readonly rows: number;
  readonly columns: number;
  readonly samplesPerPixel: number;
  readonly bitsAllocated: number;
  readonly bitsStored: number;
  readonly highBit: number;
  readonly pixelRepresentation: number;
  readonly planarConfiguration: number;
  readonly photometric: string;
  readonly numberOfFrames: number;
}

export interface InstanceMeta {
  readonly path: string;
  readonly transferSyntax: string;
  readonly sopClassUID: string;
  readonly sopInstanceUID: string;
  readonly patientID: string;
  readonly patientName: string;
  readonly studyInstanceUID: string;
  readonly studyDate: string;
  readonly studyDescription: string;
  readonly seriesInstanceUID: string;
  readonly seriesNumber: number | undefined;
  readonly seriesDescription: string;
  readonly modality: string;
  readonly instanceNumber: number | undefined;
  readonly frameOfReferenceUID: string;
  readonly pixel: PixelFormat;
  /** Row direction then column direction (ImageOrientationPatient), if known. */
  readonly orientation: readonly [number, number, number, number, number, number] | undefined;
  /** Position of the first pixel of each frame (ImagePositionPatient or per-frame Plane Position). */
  readonly framePositions: readonly (Vec3 | undefined)[];
  /** [row spacing, column spacing] in mm. */
  readonly pixelSpacing: readonly [number, number] | undefined;
  readonly sliceThickness: number | undefined;
  /** Patient and study attributes copied verbatim into derived objects (SEG) so they file with the source. */
  readonly identity: Readonly<Record<IdentityKeyword, string>>;
}

/** Patient/General Study module attributes a derived object must share with its source (keyword → tag). */
export const IDENTITY_TAGS = {
  PatientName: 'x00100010',
  PatientID: 'x00100020',
  PatientBirthDate: 'x00100030',
  PatientSex: 'x00100040',
  StudyInstanceUID: 'x0020000d',
  StudyDate: 'x00080020',
  StudyTime: 'x00080030',
  ReferringPhysicianName: 'x00080090',
  StudyID: 'x00200010',
  AccessionNumber: 'x00080050',
  StudyDescription: 'x00081030',
} as const;
export type IdentityKeyword = keyof typeof IDENTITY_TAGS;

export function str(ds: DataSet | undefined, tag: string): string {
  return ds?.string(tag)?.trim() ?? '';
}

export function numbers(ds: DataSet | undefined, tag: string): number[] | undefined {
  const raw = ds?.string(tag);
  if (!raw) return undefined;
  // Number() rather than parseFloat(): a corrupt value such as IS "1A" must not pass as 1.
  const values = raw.split('\\').map((s) => Number(s.trim()));
  return values.every(Number.isFinite) ? values : undefined;
}

function vec3(ds: DataSet | undefined, tag: string): Vec3 | undefined {
  const v = numbers(ds, tag);
  return v && v.length >= 3 ? [v[0]!, v[1]!, v[2]!] : undefined;
}

export function firstItem(ds: DataSet | undefined, tag: string, index = 0): DataSet | undefined {
  return ds?.elements[tag]?.items?.[index]?.dataSet;
}

function safeUint16(ds: DataSet, tag: string): number | undefined {
  const el = ds.elements[tag];
  if (!el || el.length < 2) return undefined;
  return ds.uint16(tag);
}

/** Functional-group lookup: per-frame item first, then shared, as the Enhanced IODs require. */
export function functionalGroup(ds: DataSet, frame: number, macroTag: string): DataSet | undefined {
  const perFrame = firstItem(firstItem(ds, TAG.perFrameFunctionalGroups, frame), macroTag);
  return perFrame ?? firstItem(firstItem(ds, TAG.sharedFunctionalGroups), macroTag);
}

/** Throws a plain Error for header values no decoder can work with (callers add the file name). */
export function readPixelFormat(ds: DataSet): PixelFormat {
  const frames = numbers(ds, TAG.numberOfFrames)?.[0];
  const rawFrames = ds.string(TAG.numberOfFrames);
  if (rawFrames !== undefined && rawFrames.trim() !== '' && (frames === undefined || !Number.isInteger(frames) || frames < 1)) {
    throw new Error(`invalid Number of Frames (0028,0008) value "${rawFrames.trim()}": not a valid IS (integer string)`);
  }
  const bitsAllocated = safeUint16(ds, TAG.bitsAllocated) ?? 16;
  return {
    rows: safeUint16(ds, TAG.rows) ?? 0,
    columns: safeUint16(ds, TAG.columns) ?? 0,
    samplesPerPixel: safeUint16(ds, TAG.samplesPerPixel) ?? 1,
    bitsAllocated,
    bitsStored: safeUint16(ds, TAG.bitsStored) ?? bitsAllocated,
    highBit: safeUint16(ds, TAG.highBit) ?? bitsAllocated - 1,
    pixelRepresentation: safeUint16(ds, TAG.pixelRepresentation) ?? 0,
    planarConfiguration: safeUint16(ds, TAG.planarConfiguration) ?? 0,
    photometric: str(ds, TAG.photometricInterpretation).toUpperCase() || 'MONOCHROME2',
    numberOfFrames: frames !== undefined && Number.isInteger(frames) && frames > 0 ? frames : 1,
  };
}

/** Header fields of one instance; throws DicomError when a value cannot be read (corrupt lengths, bad numbers). */
export function readInstanceMeta(ds: DataSet, path: string, transferSyntax: string): InstanceMeta {
  try {
    return readInstanceMetaUnchecked(ds, path, transferSyntax);
  } catch (err) {
    if (err instanceof DicomError) throw err;
    throw new DicomError(path, `corrupt header value: ${describeError(err)}`);
  }
}

function readInstanceMetaUnchecked(ds: DataSet, path: string, transferSyntax: string): InstanceMeta {
  let pixel: PixelFormat;
  try {
    pixel = readPixelFormat(ds);
  } catch (err) {
    throw new DicomError(path, describeError(err));
  }
  const iop =
    numbers(ds, TAG.imageOrientationPatient) ??
    numbers(functionalGroup(ds, 0, TAG.planeOrientationSequence), TAG.imageOrientationPatient);
  const spacing =
    numbers(ds, TAG.pixelSpacing) ?? numbers(functionalGroup(ds, 0, TAG.pixelMeasuresSequence), TAG.pixelSpacing);
  const thickness =
    numbers(ds, TAG.sliceThickness)?.[0] ??
    numbers(functionalGroup(ds, 0, TAG.pixelMeasuresSequence), TAG.sliceThickness)?.[0];
  const topPosition = vec3(ds, TAG.imagePositionPatient);
  // Cap the loop by the per-frame items actually present so a forged NumberOfFrames cannot make us spin.
  const perFrameItems = ds.elements[TAG.perFrameFunctionalGroups]?.items?.length ?? 0;
  const framePositions: (Vec3 | undefined)[] = [];
  const count = Math.min(pixel.numberOfFrames, Math.max(1, perFrameItems));
  for (let f = 0; f < count; f++) {
    const perFrame = vec3(functionalGroup(ds, f, TAG.planePositionSequence), TAG.imagePositionPatient);
    framePositions.push(perFrame ?? (f === 0 ? topPosition : undefined));
  }
  const seriesNumber = numbers(ds, TAG.seriesNumber)?.[0];
  const instanceNumber = numbers(ds, TAG.instanceNumber)?.[0];
  return {
    path,
    transferSyntax,
    // De-identifiers sometimes blank these in the data set but leave the File Meta copies.
    sopClassUID: str(ds, TAG.sopClassUID) || str(ds, 'x00020002'),
    sopInstanceUID: str(ds, TAG.sopInstanceUID) || str(ds, 'x00020003'),
    patientID: str(ds, TAG.patientID),
    patientName: str(ds, TAG.patientName),
    studyInstanceUID: str(ds, TAG.studyInstanceUID),
    studyDate: str(ds, TAG.studyDate),
    studyDescription: str(ds, TAG.studyDescription),
    seriesInstanceUID: str(ds, TAG.seriesInstanceUID),
    seriesNumber,
    seriesDescription: str(ds, TAG.seriesDescription),
    modality: str(ds, TAG.modality),
    instanceNumber,
    frameOfReferenceUID: str(ds, TAG.frameOfReferenceUID),
    pixel,
    orientation: iop && iop.length >= 6 ? [iop[0]!, iop[1]!, iop[2]!, iop[3]!, iop[4]!, iop[5]!] : undefined,
    framePositions,
    pixelSpacing: spacing && spacing.length >= 2 ? [spacing[0]!, spacing[1]!] : undefined,
    sliceThickness: thickness,
    identity: Object.fromEntries(Object.entries(IDENTITY_TAGS).map(([k, tag]) => [k, str(ds, tag)])) as Record<IdentityKeyword, string>,
  };
}
