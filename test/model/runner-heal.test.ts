// The training runner heals itself: a worker that dies or hangs fails only its own job, with the reason, and is replaced.
import { describe, expect, it } from 'vitest';
import { createSegmentationRunner } from '../../model/runner';
import { randomArray } from './helpers';

const S = 32;
const image = { width: S, height: S, data: randomArray(S * S * 3, 5, 0, 1) };
const small = { size: S, channels: 8, backend: 'wasm' as const, maxIterations: 2 };
const faulty = new URL('./fixtures/fault-train-worker.mjs', import.meta.url);

describe('segmentation runner self-healing', () => {
  it('a worker that exits or hangs fails only its job, with the reason; the queue has a cap; the next job trains on a fresh worker', async () => {
    const runner = createSegmentationRunner({ workers: 1, workerUrl: faulty, backoffMs: 50, jobTimeoutMs: 4000, maxQueue: 2 });
    try {
      await expect(runner.segment(image, { ...small, seed: 666 })).rejects.toThrow(/segmentation worker stopped \(exit code 5\) while training this image/);
      const hung = runner.segment(image, { ...small, seed: 667 });
      const behind = runner.segment(image, { ...small, seed: 2 });
      // Both wait while the crashed worker's replacement is held back by the backoff: a third is refused.
      await expect(runner.segment(image, { ...small, seed: 3 })).rejects.toThrow(/segmentation queue is full \(2 images waiting\)/);
      // The timeout counts from when the worker is ready, so a slow thread start is not a hang.
      await expect(hung).rejects.toThrow(/training took longer than 4 s and was stopped/);
      const ok = await behind;
      expect(ok.labels.length).toBe(S * S);
      expect(runner.pending).toBe(0);
    } finally {
      await runner.close();
    }
  }, 240_000);
});
