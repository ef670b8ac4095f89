// The S3-Net runner the test host uses: the model's worker-thread runner, created on first use like the app does.
import { createSegmentationRunner, type SegmentationRunner } from '../../../model/runner';
import type { Segmenter } from '../../../main/services/session/queue';

export function createSegmenter(): () => Promise<Segmenter> {
  let runner: SegmentationRunner | null = null;
  return async () => (runner ??= createSegmentationRunner({ workers: 1 }));
}
