// Loads whole series for segmentation: every slice decoded to HU (modality values) in slice order, with geometry.
import { DicomError, describeError, type SkippedFile } from './errors.js';
import { indexPaths, type DicomIndex, type SeriesIndex, type SliceRef } from './indexer.js';
import type { SliceGeometry } from './geometry.js';
import { decodeFrames, type WindowLevel } from './pixels/decode.js';
import { dicomFramePixelsProblem, MAX_SERIES_BYTES } from '../budget.js';

export interface LoadedSlice {
  readonly sourcePath: string;
  readonly frameIndex: number;
  readonly sopInstanceUID: string;
  readonly sopClassUID: string;
  readonly width: number;
  readonly height: number;
  /** Modality values (Hounsfield units for CT), row-major, width × height. */
  readonly hu: Float32Array;
  readonly geometry: SliceGeometry;
  readonly window: WindowLevel | undefined;
}

export interface LoadedSeries {
  readonly index: SeriesIndex;
  /** Ordered along the slice normal (see indexPaths). */
  readonly slices: readonly LoadedSlice[];
}

/** Objects that carry no image to segment. */
const NON_IMAGE_MODALITIES = new Set(['SEG', 'RTSTRUCT', 'RTPLAN', 'RTDOSE', 'SR', 'KO', 'PR']);

/** Decodes one indexed series; throws DicomError for the first slice that cannot be decoded. */
export async function loadSeries(series: SeriesIndex): Promise<LoadedSeries> {
  // Checked from the headers before anything is decoded: the series' modality values must fit the memory budget.
  const bytes = series.slices.reduce((n, s) => n + s.rows * s.columns * Float32Array.BYTES_PER_ELEMENT, 0);
  if (bytes > MAX_SERIES_BYTES) {
    throw new DicomError(series.slices[0]?.path ?? series.seriesInstanceUID, `series ${series.seriesInstanceUID}: ${series.slices.length} slices need ${(bytes / 2 ** 20).toFixed(0)} MiB of modality values, above the ${MAX_SERIES_BYTES / 2 ** 20} MiB per-series budget`);
  }
  for (const s of series.slices) {
    const tooMany = dicomFramePixelsProblem(s.rows, s.columns);
    if (tooMany) throw new DicomError(s.path, tooMany);
  }
  const byFile = new Map<string, SliceRef[]>();
  for (const s of series.slices) byFile.set(s.path, [...(byFile.get(s.path) ?? []), s]);
  const decoded = new Map<string, LoadedSlice>();
  for (const [path, refs] of byFile) {
    const frames = await decodeFrames(path, refs.map((r) => r.frameIndex));
    frames.forEach((f, i) => {
      const ref = refs[i]!;
      if (!f.modality) throw new DicomError(path, `${f.photometric} image: only monochrome series can be segmented as volumes`);
      decoded.set(`${path}#${ref.frameIndex}`, {
        sourcePath: path,
        frameIndex: ref.frameIndex,
        sopInstanceUID: ref.sopInstanceUID,
        sopClassUID: ref.sopClassUID,
        width: f.width,
        height: f.height,
        hu: f.modality,
        geometry: ref.geometry,
        window: f.window,
      });
    });
  }
  return { index: series, slices: series.slices.map((s) => decoded.get(`${s.path}#${s.frameIndex}`)!) };
}

/** The series of an index that hold images to segment; derived objects (SEG, RT, SR…) are listed as skipped. */
export function segmentableSeries(index: DicomIndex): { series: SeriesIndex[]; skipped: SkippedFile[] } {
  const skipped: SkippedFile[] = [...index.skipped];
  const series: SeriesIndex[] = [];
  for (const s of index.series) {
    if (NON_IMAGE_MODALITIES.has(s.modality)) {
      for (const i of s.instances) skipped.push({ path: i.path, reason: `${s.modality} object: not an image to segment` });
    } else series.push(s);
  }
  return { series, skipped };
}

/**
 * Visits every monochrome image series under paths, decoded, one at a time: only one series' HU arrays are held,
 * so a folder of thousands of slices does not have to fit in memory. Series that cannot be used (derived objects,
 * colour, undecodable slices) are returned in skipped with the reason, never thrown.
 */
export async function forEachSeriesForSegmentation(
  paths: readonly string[],
  visit: (series: LoadedSeries) => Promise<void>,
): Promise<{ skipped: SkippedFile[] }> {
  const { series, skipped } = segmentableSeries(await indexPaths(paths));
  for (const s of series) {
    let loaded: LoadedSeries;
    try {
      loaded = await loadSeries(s);
    } catch (err) {
      const path = err instanceof DicomError ? err.path : s.instances[0]!.path;
      skipped.push({ path, reason: `series ${s.seriesInstanceUID || '(no UID)'} not loaded: ${err instanceof DicomError ? err.reason : describeError(err)}` });
      continue;
    }
    await visit(loaded);
  }
  return { skipped };
}

/** All usable series under paths, decoded at once (convenient for small inputs; see forEachSeriesForSegmentation). */
export async function loadSeriesForSegmentation(paths: readonly string[]): Promise<{ series: LoadedSeries[]; skipped: SkippedFile[] }> {
  const series: LoadedSeries[] = [];
  const { skipped } = await forEachSeriesForSegmentation(paths, async (s) => {
    series.push(s);
  });
  return { series, skipped };
}
