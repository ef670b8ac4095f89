// The app's S3-Net runner: the model's worker-thread runner, created on first use so launch stays fast.
import type { Segmenter } from '../services/session/queue';

interface RunnerModule {
  createSegmentationRunner(options?: { workers?: number; workerUrl?: string }): Segmenter & { close(): Promise<void> };
}

export function createAppSegmenter(workerPath: string): { get: () => Promise<Segmenter>; close: () => Promise<void> } {
  let runner: Promise<Segmenter & { close(): Promise<void> }> | null = null;
  return {
    get() {
      // A variable specifier keeps this file compiling before model/runner.ts lands; the bundle resolves it at run time.
      const specifier = '../../model/runner';
      runner ??= (import(specifier) as Promise<RunnerModule>).then((m) => m.createSegmentationRunner({ workers: 1, workerUrl: workerPath }));
      return runner;
    },
    async close() {
      await (await runner)?.close();
    },
  };
}
