// The S3-Net runner the test host uses: the model's worker runner, created on first use like the app does.
import type { Segmenter } from '../../../main/services/session/queue';

interface RunnerModule {
  createSegmentationRunner(options?: { workers?: number }): Segmenter & { close(): Promise<void> };
}

export function createSegmenter(): () => Promise<Segmenter> {
  let runner: Promise<Segmenter> | null = null;
  return () => {
    // A variable specifier: model/runner.ts lands separately and this file must type-check before it does.
    const specifier = '../../../model/runner';
    runner ??= (import(specifier) as Promise<RunnerModule>).then((m) => m.createSegmentationRunner({ workers: 1 }));
    return runner;
  };
}
