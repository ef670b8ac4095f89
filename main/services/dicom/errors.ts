// Errors as values: every failure names the file and a reason a clinician or a log reader can act on.
export class DicomError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path}: ${reason}`);
    this.name = 'DicomError';
  }
}

export interface SkippedFile {
  readonly path: string;
  readonly reason: string;
}

/** dicom-parser throws strings, Errors and `{ exception, dataSet }` objects; reduce them all to one readable line. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'string') return err;
  if (err && typeof err === 'object' && 'exception' in err) return describeError((err as { exception: unknown }).exception);
  return String(err);
}
