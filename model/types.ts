// Public value types of the S3-Net engine: images in, label maps and progress out. No tensors cross this boundary.

/** An RGB image, row-major HWC, three channels scaled to [0, 1]. CT slices arrive already windowed and grey (R=G=B). */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  readonly data: Float32Array;
}

export type BackendName = 'webgpu' | 'tensorflow' | 'wasm' | 'cpu';
export type BackendChoice = BackendName | 'auto';
export type TrainingMode = 'faithful' | 'default';

/** One training iteration's report, streamed to the caller (CLI progress bar, the app's queue). */
export interface TrainProgress {
  readonly iteration: number;
  readonly maxIterations: number;
  readonly loss: number;
  readonly selfLabel: number;
  readonly consistency: number;
  readonly spatial: number;
  /** Distinct argmax labels after this iteration. */
  readonly labels: number;
  readonly elapsedMs: number;
}

/** What one per-image training run produces. The label map is at the working size (config.size × config.size). */
export interface SegmentationResult {
  readonly size: number;
  /** Cluster id (argmax channel, 0..channels-1) per pixel, row-major, size × size. */
  readonly labels: Uint8Array;
  readonly clusters: number;
  readonly iterations: number;
  readonly seconds: number;
  readonly backend: BackendName;
  readonly mode: TrainingMode;
  readonly stoppedBy: 'minLabels' | 'maxIterations';
  /** Set when the GPU failed during this image and it was trained again, from the start, on `backend`. */
  readonly fallback?: { readonly from: 'webgpu'; readonly reason: string };
}
