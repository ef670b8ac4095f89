// What a ground-truth-free target rule returns: a mask at the image's native resolution, with its provenance.

/** A proposal at native resolution (the DICOM's rows × columns, the photograph's pixels). */
export interface NativeTarget {
  /** 0/1 mask, row-major, width × height. */
  readonly mask: Uint8Array;
  readonly width: number;
  readonly height: number;
  /** The S3-Net cluster most of the mask came from (−1 when nothing was found). */
  readonly cluster: number;
  /** 0..1: how much to trust the proposal without looking (the review queue shows low values first). */
  readonly confidence: number;
}
