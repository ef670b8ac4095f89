// Indexing: walks files/folders, reads headers only, groups Patient → Study → Series, orders slices, lists skipped files.
import { open, readFile } from 'node:fs/promises';
import { walkFiles } from '../fs/walk.js';
import { dirname } from 'node:path';
import { DicomError, describeError, type SkippedFile } from './errors.js';
import { parseDicomBytes, type ParsedDicom } from './parse.js';
import { readInstanceMeta, type InstanceMeta } from './metadata.js';
import { orderSlices, sliceNormal, type SliceGeometry } from './geometry.js';
import { NATIVE_SYNTAXES, TAG, TS } from './tags.js';
import { nativeFrameBytes } from './pixels/frames.js';

export interface SliceRef {
  readonly path: string;
  readonly frameIndex: number;
  readonly sopInstanceUID: string;
  readonly sopClassUID: string;
  readonly instanceNumber: number | undefined;
  readonly rows: number;
  readonly columns: number;
  readonly geometry: SliceGeometry;
}

export interface SeriesIndex {
  readonly patientID: string;
  readonly patientName: string;
  readonly studyInstanceUID: string;
  readonly studyDate: string;
  readonly studyDescription: string;
  readonly seriesInstanceUID: string;
  readonly seriesNumber: number | undefined;
  readonly modality: string;
  readonly description: string;
  readonly frameOfReferenceUID: string;
  readonly instances: readonly InstanceMeta[];
  /** One entry per frame of every instance, ordered along the slice normal. */
  readonly slices: readonly SliceRef[];
}

export interface StudyIndex {
  readonly studyInstanceUID: string;
  readonly studyDate: string;
  readonly description: string;
  readonly series: readonly SeriesIndex[];
}

export interface PatientIndex {
  readonly patientID: string;
  readonly patientName: string;
  readonly studies: readonly StudyIndex[];
}

export interface DicomIndex {
  readonly patients: readonly PatientIndex[];
  readonly series: readonly SeriesIndex[];
  readonly skipped: readonly SkippedFile[];
  readonly filesScanned: number;
}

export interface IndexOptions {
  /** Parallel file reads; small because the disk, not the CPU, is the limit. */
  readonly concurrency?: number;
  /** Called after each file with files done and files found (the desktop app shows it). */
  readonly onProgress?: (done: number, total: number) => void;
  /** Stops the scan between files; indexPaths then rejects with the signal's reason. */
  readonly signal?: AbortSignal;
}

/** Headers nearly always fit here; the whole file is read only when they do not (or the data set is deflated). */
const HEADER_PROBE_BYTES = 64 * 1024;

async function readHead(path: string): Promise<{ bytes: Buffer; size: number }> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, HEADER_PROBE_BYTES);
    const bytes = Buffer.alloc(length);
    let offset = 0;
    while (offset < length) {
      const { bytesRead } = await handle.read(bytes, offset, length - offset, offset);
      if (bytesRead === 0) break;
      offset += bytesRead;
    }
    return { bytes: bytes.subarray(0, offset), size };
  } finally {
    await handle.close();
  }
}

function readAll(path: string): Promise<Buffer> {
  return readFile(path);
}

/** Reads one file's header. Returns metadata or throws DicomError with the reason it cannot be used. */
export async function readInstanceHeader(path: string): Promise<InstanceMeta> {
  let head: { bytes: Buffer; size: number };
  try {
    head = await readHead(path);
  } catch (err) {
    throw new DicomError(path, `cannot read file: ${describeError(err)}`);
  }
  let parsed: ParsedDicom;
  try {
    parsed = parseDicomBytes(head.bytes, path, { metadataOnly: true });
    if (head.bytes.length < head.size && (parsed.transferSyntax === TS.deflate || !parsed.dataSet.elements[TAG.pixelData])) {
      parsed = parseDicomBytes(await readAll(path), path, { metadataOnly: true });
    }
  } catch (err) {
    if (head.bytes.length >= head.size || (err instanceof DicomError && err.reason.startsWith('not a DICOM'))) throw err;
    parsed = parseDicomBytes(await readAll(path), path, { metadataOnly: true });
  }
  const meta = readInstanceMeta(parsed.dataSet, path, parsed.transferSyntax);
  if (!parsed.dataSet.elements[TAG.pixelData]) {
    throw new DicomError(path, `no Pixel Data: not an image (SOP class ${meta.sopClassUID || 'unknown'})`);
  }
  if (meta.pixel.rows === 0 || meta.pixel.columns === 0) throw new DicomError(path, 'Rows or Columns missing or zero');
  const truncation = checkPixelDataExtent(parsed, meta, head.size);
  if (truncation) throw new DicomError(path, truncation);
  return meta;
}

/** Catches truncated files from the header alone, so `info` reports them without decoding any pixels. */
function checkPixelDataExtent(parsed: ParsedDicom, meta: InstanceMeta, fileSize: number): string | undefined {
  const el = parsed.dataSet.elements[TAG.pixelData];
  if (!el || parsed.transferSyntax === TS.deflate) return undefined;
  if (el.hadUndefinedLength) {
    // Each compressed frame needs at least one 8-byte item header, so a forged Number of Frames cannot make us
    // create more slices than the file could hold.
    const room = fileSize - (el.dataOffset - parsed.byteShift);
    if (meta.pixel.numberOfFrames * 8 > room) return `Number of Frames ${meta.pixel.numberOfFrames} cannot fit in the ${room} bytes of Pixel Data`;
    return undefined;
  }
  const end = el.dataOffset - parsed.byteShift + el.length;
  if (end > fileSize) return `truncated: Pixel Data declares ${el.length} bytes but the file ends ${end - fileSize} bytes early`;
  if (NATIVE_SYNTAXES.has(parsed.transferSyntax)) {
    const p = meta.pixel;
    const expected = Math.ceil(nativeFrameBytes(p) * p.numberOfFrames);
    if (el.length < expected) return `truncated: Pixel Data has ${el.length} bytes, ${p.rows}×${p.columns}×${p.numberOfFrames} frame(s) need ${expected}`;
  }
  return undefined;
}

async function collectFiles(paths: readonly string[], skipped: SkippedFile[]): Promise<string[]> {
  return walkFiles(paths, skipped);
}

async function mapPool<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

function slicesOf(meta: InstanceMeta): SliceRef[] {
  const out: SliceRef[] = [];
  for (let f = 0; f < meta.pixel.numberOfFrames; f++) {
    out.push({
      path: meta.path,
      frameIndex: f,
      sopInstanceUID: meta.sopInstanceUID,
      sopClassUID: meta.sopClassUID,
      instanceNumber: meta.instanceNumber,
      rows: meta.pixel.rows,
      columns: meta.pixel.columns,
      geometry: {
        position: meta.framePositions[f],
        orientation: meta.orientation,
        pixelSpacing: meta.pixelSpacing,
        sliceThickness: meta.sliceThickness,
      },
    });
  }
  return out;
}

/** Groups readable instances into series (dropping duplicate SOP instances) and series into studies and patients. */
export function groupInstances(instances: readonly InstanceMeta[], skipped: SkippedFile[]): Omit<DicomIndex, 'skipped' | 'filesScanned'> {
  const bySeries = new Map<string, InstanceMeta[]>();
  const seenSop = new Map<string, string>();
  for (const m of instances) {
    if (m.sopInstanceUID) {
      const first = seenSop.get(m.sopInstanceUID);
      if (first) {
        skipped.push({ path: m.path, reason: `duplicate SOP Instance UID ${m.sopInstanceUID} (already loaded from ${first})` });
        continue;
      }
      seenSop.set(m.sopInstanceUID, m.path);
    }
    // Files without UIDs still load: they are grouped by folder so they never merge with another study.
    const key = `${m.studyInstanceUID || `nostudy:${dirname(m.path)}`}|${m.seriesInstanceUID || `noseries:${dirname(m.path)}`}`;
    const list = bySeries.get(key) ?? [];
    list.push(m);
    bySeries.set(key, list);
  }
  const series: SeriesIndex[] = [];
  for (const list of bySeries.values()) {
    const first = list[0]!;
    const all = list.flatMap(slicesOf).map((s) => ({ ...s, position: s.geometry.position }));
    const ordered = orderSlices(all, sliceNormal(first.orientation)).map(({ position: _p, ...s }) => s);
    series.push({
      patientID: first.patientID,
      patientName: first.patientName,
      studyInstanceUID: first.studyInstanceUID,
      studyDate: first.studyDate,
      studyDescription: first.studyDescription,
      seriesInstanceUID: first.seriesInstanceUID,
      seriesNumber: first.seriesNumber,
      modality: first.modality,
      description: first.seriesDescription,
      frameOfReferenceUID: first.frameOfReferenceUID,
      instances: list,
      slices: ordered,
    });
  }
  series.sort(
    (a, b) =>
      a.patientID.localeCompare(b.patientID) ||
      a.studyInstanceUID.localeCompare(b.studyInstanceUID) ||
      (a.seriesNumber ?? 0) - (b.seriesNumber ?? 0) ||
      a.seriesInstanceUID.localeCompare(b.seriesInstanceUID),
  );
  const patients = new Map<string, { patientID: string; patientName: string; studies: Map<string, SeriesIndex[]> }>();
  for (const s of series) {
    const p = patients.get(s.patientID) ?? { patientID: s.patientID, patientName: s.patientName, studies: new Map() };
    patients.set(s.patientID, p);
    const st = p.studies.get(s.studyInstanceUID) ?? [];
    st.push(s);
    p.studies.set(s.studyInstanceUID, st);
  }
  return {
    series,
    patients: [...patients.values()].map((p) => ({
      patientID: p.patientID,
      patientName: p.patientName,
      studies: [...p.studies.values()].map((list) => ({
        studyInstanceUID: list[0]!.studyInstanceUID,
        studyDate: list[0]!.studyDate,
        description: list[0]!.studyDescription,
        series: list,
      })),
    })),
  };
}

/** Indexes files and folders (recursively). Never throws for a bad file: it is listed in `skipped` with its reason. */
export async function indexPaths(paths: readonly string[], options: IndexOptions = {}): Promise<DicomIndex> {
  const skipped: SkippedFile[] = [];
  const files = await collectFiles(paths, skipped);
  let done = 0;
  const results = await mapPool(files, options.concurrency ?? 8, async (path) => {
    options.signal?.throwIfAborted();
    try {
      return await readInstanceHeader(path);
    } catch (err) {
      skipped.push({ path, reason: err instanceof DicomError ? err.reason : describeError(err) });
      return undefined;
    } finally {
      options.onProgress?.(++done, files.length);
    }
  });
  const instances = results.filter((m): m is InstanceMeta => m !== undefined);
  const grouped = groupInstances(instances, skipped);
  skipped.sort((a, b) => a.path.localeCompare(b.path));
  return { ...grouped, skipped, filesScanned: files.length };
}
