// Public API of the DICOM services: indexing, decoding and series loading for the CLI and the desktop app.
/**
 * Plain Node, no electron, no console output: failures come back as values (skipped lists, DicomError).
 *
 *   indexPaths(paths, opts?) → Promise<DicomIndex>
 *       Recursively scans files/folders, reads metadata only (stops before Pixel Data), groups
 *       Patient → Study → Series → instances (slices sorted along the slice normal, fallback InstanceNumber),
 *       and lists every skipped file as { path, reason }.
 *
 *   decodeFrame(path | Uint8Array, frameIndex = 0) → Promise<DecodedFrame>
 *       Stored values → typed array (all 13 transfer syntaxes), plus `modality` values (HU for CT, Float32Array),
 *       `display` for MONOCHROME1/palette/RGB. Throws DicomError { path, reason } on broken input.
 *
 *   loadSeriesForSegmentation(paths) → Promise<{ series: LoadedSeries[]; skipped: SkippedFile[] }>
 *       For the CLI `segment` command: every series found under paths, each with slices ordered along the normal:
 *       { sourcePath, frameIndex, width, height, hu: Float32Array, geometry: SliceGeometry, sopInstanceUID }.
 *
 *   writeSeriesMasks(series, masks, format, outDir, { overwrite }) → Promise<string[]>
 *       masks: one Uint8Array label map (width*height, 0 = background) per slice, in series.slices order.
 *       format 'png' → `<slice file name without extension>.mask.png` per slice (0/255),
 *              'seg' → one DICOM SEG per series, 'nifti' → one `.nii.gz` per series. Returns written paths.
 *       Writes are atomic and never overwrite unless overwrite is true.
 *
 *   WINDOW_PRESETS, applyWindow(values, window) → Uint8Array for display.
 */
export { DicomError, type SkippedFile } from './errors.js';
export { indexPaths, readInstanceHeader, type DicomIndex, type PatientIndex, type StudyIndex, type SeriesIndex, type SliceRef } from './indexer.js';
export type { InstanceMeta, PixelFormat, Vec3 } from './metadata.js';
export { seriesAffineLPS, sliceNormal, type SliceGeometry } from './geometry.js';
export { decodeFrame, decodeFrames, type DecodedFrame, type WindowLevel } from './pixels/decode.js';
export { WINDOW_PRESETS, applyWindow, fullRangeWindow, type WindowPreset } from './window.js';
export { loadSeries, loadSeriesForSegmentation, type LoadedSeries, type LoadedSlice } from './series.js';
export { writeSeriesMasks, type MaskFormat, type WriteMasksOptions } from '../masks/write.js';
