// The app's S3-Net runner: the model's worker-thread runner over the bundled worker, created on first use.
import { pathToFileURL } from 'node:url';
import { createSegmentationRunner, type SegmentationRunner } from '../../model/runner';
import type { Segmenter } from '../services/session/queue';

export function createAppSegmenter(workerPath: string): { get: () => Promise<Segmenter>; close: () => Promise<void> } {
  let runner: SegmentationRunner | null = null;
  return {
    get: async () => (runner ??= createSegmentationRunner({ workers: 1, workerUrl: pathToFileURL(workerPath) })),
    close: async () => runner?.close(),
  };
}
