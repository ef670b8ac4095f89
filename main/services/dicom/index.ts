// Public API of the DICOM services: indexing, decoding and series loading for the CLI and the desktop app.
/**
 * Plain Node, no electron, no console output: failures come back as values (skipped lists) or as DicomError
 * { path, reason } — never as a crash.
 *
 *   indexPaths(paths, { concurrency?, onProgress?, signal? }) → Promise<DicomIndex>
 *       Recursively scans files/folders, reads headers only (stops before Pixel Data; reads the first 64 KiB of
 *       a file unless the header is longer), recognises files with and without the 128-byte preamble, groups
 *       Patient → Study → Series → instances, orders slices by ImagePositionPatient on the slice normal
 *       (fallback InstanceNumber), expands multi-frame objects into one slice per frame, and lists every skipped
 *       file { path, reason } (not DICOM, truncated, corrupt values, no Pixel Data, duplicate SOP instance).
 *
 *   decodeFrame(path | bytes, frameIndex = 0) / decodeFrames(path, frameIndices) → DecodedFrame
 *       Native LE/BE/deflate, RLE, JPEG baseline/extended 8 and 12-bit, JPEG lossless (14, SV1), JPEG-LS,
 *       JPEG 2000. `stored` values (bits-stored masked, sign-extended), `modality` (× slope + intercept: HU for CT),
 *       `rgb` for colour/palette, `window` from the header, `invert` for MONOCHROME1, `warnings` for tolerated defects.
 *       tryDecodeFrame: the same with failures as { ok: false, error: { path, reason } }.
 *
 *   loadSeriesForSegmentation(paths) → Promise<{ series: LoadedSeries[]; skipped: SkippedFile[] }>
 *       For the CLI `segment` command: every monochrome image series under paths, slices in order, each
 *       { sourcePath, frameIndex, sopInstanceUID, width, height, hu: Float32Array, geometry, window }.
 *   forEachSeriesForSegmentation(paths, visit) → Promise<{ skipped }>: the same, one series in memory at a time
 *       (use it for big folders: segment and write each series inside visit).
 *
 *   writeSeriesMasks(series, masks, format, outDir, { overwrite }) → Promise<string[]>
 *       masks: one Uint8Array label map (width*height, 0 = background) per slice in series.slices order, or a
 *       MaskVolume with segment metadata (main/services/masks). format 'png' → `<slice file name without
 *       extension>.mask.png` per slice (0/255), 'seg' → `<SeriesInstanceUID>.seg.dcm`, 'nifti' →
 *       `<SeriesInstanceUID>.nii.gz`. Atomic writes; an existing file throws FileExistsError unless overwrite.
 *       Pass { edited: true } with plain label maps a person corrected, so SEG says SEMIAUTOMATIC.
 *
 *   WINDOW_PRESETS (lung 1500/−600, mediastinum 350/40, bone 2000/500, brain 80/40), applyWindow(values, window,
 *   invert) → Uint8Array for display.
 *
 * Mask import (SEG, NIfTI, PNG folders) and photo masks (`<id>_segmentation.png`) live in main/services/masks.
 */
export { DicomError, type SkippedFile } from './errors.js';
export { indexPaths, readInstanceHeader, type DicomIndex, type IndexOptions, type PatientIndex, type StudyIndex, type SeriesIndex, type SliceRef } from './indexer.js';
export type { InstanceMeta, PixelFormat, Vec3 } from './metadata.js';
export { seriesAffineLPS, sliceNormal, type SliceGeometry } from './geometry.js';
export { decodeFrame, decodeFrames, tryDecodeFrame, type DecodeResult, type DecodedFrame, type WindowLevel } from './pixels/decode.js';
export { WINDOW_PRESETS, applyWindow, fullRangeWindow, lungWindowRgb, type WindowPreset } from './window.js';
export { loadSeries, loadSeriesForSegmentation, forEachSeriesForSegmentation, segmentableSeries, type LoadedSeries, type LoadedSlice } from './series.js';
export { writeSeriesMasks, type MaskFormat, type WriteMasksOptions } from '../masks/write.js';
