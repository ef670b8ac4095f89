// The one input budget, checked from headers before anything is decoded: pixels per frame, bytes per series, inflation.
/** A DICOM frame may decode to at most this many pixels (a 16384² JPEG in a 3 MB file is refused, not decoded). */
export const MAX_DICOM_FRAME_PIXELS = 64 * 1024 * 1024;
/** A photograph may declare at most this many pixels (ordinary cameras reach 60 MP; a 20000² PNG bomb is refused). */
export const MAX_PHOTO_PIXELS = 150 * 1000 * 1000;
/**
 * Photos are decoded at no more than this many pixels: larger ones are downscaled by sharp while decoding, before
 * any float copy exists (4288×2848, the largest dermoscopy in the evaluation sets, stays at full size).
 */
export const PHOTO_WORKING_PIXELS = 12.5 * 1000 * 1000;
/** Modality values of one series held at once (Float32): 500 slices of 512² are 500 MiB. */
export const MAX_SERIES_BYTES = 768 * 1024 * 1024;
/** A deflated data set or one compressed element may expand to at most this many bytes. */
export const MAX_INFLATED_BYTES = 512 * 1024 * 1024;

/** Thrown when an input's header asks for more than the budget allows; names the file and the field. */
export class BudgetError extends Error {
  constructor(
    readonly path: string,
    readonly field: string,
    message: string,
  ) {
    super(`${path}: ${field}: ${message}`);
    this.name = 'BudgetError';
  }
}

const mp = (n: number): string => `${(n / 1e6).toFixed(1)} MP`;

export function checkPhotoPixels(path: string, width: number, height: number): void {
  if (!(width > 0 && height > 0)) throw new BudgetError(path, 'image size', `declares ${width}×${height}`);
  if (width * height > MAX_PHOTO_PIXELS) throw new BudgetError(path, 'image size', `declares ${width}×${height} (${mp(width * height)}), above the ${mp(MAX_PHOTO_PIXELS)} limit for photographs: refused before decoding`);
}

/** Plain message (decodeFrame adds the path): the DICOM decoders wrap it in a DicomError. */
export function dicomFramePixelsProblem(rows: number, columns: number): string | undefined {
  const n = rows * columns;
  return n > MAX_DICOM_FRAME_PIXELS ? `Rows × Columns = ${columns}×${rows} (${mp(n)}) is above the ${mp(MAX_DICOM_FRAME_PIXELS)} per-frame limit: refused before decoding` : undefined;
}
