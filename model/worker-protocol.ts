// Messages between the segmentation runner and its worker threads (structured-clone values only).
import type { S3NetConfig } from './config';
import type { SegmentationResult, TrainProgress } from './types';

export interface SegmentRequest {
  readonly type: 'segment';
  readonly id: number;
  readonly width: number;
  readonly height: number;
  readonly data: Float32Array;
  readonly config: Partial<S3NetConfig>;
  readonly warmStart?: Map<string, Float32Array>;
  readonly keepWeights?: boolean;
}
export interface CancelRequest {
  readonly type: 'cancel';
  readonly id: number;
}
export type ToWorker = SegmentRequest | CancelRequest;

export type FromWorker =
  /** Sent once the worker's modules have loaded: job timeouts count from here, not from thread start. */
  | { readonly type: 'ready' }
  | { readonly type: 'progress'; readonly id: number; readonly progress: TrainProgress }
  | { readonly type: 'done'; readonly id: number; readonly result: SegmentationResult & { weights?: Map<string, Float32Array> } }
  | { readonly type: 'error'; readonly id: number; readonly name: string; readonly message: string };
