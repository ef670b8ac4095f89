// The segmentation queue: progress per item, results in order, cancel of queued and running jobs.
import { describe, expect, it } from 'vitest';
import { SegmentQueue, type JobEvent, type Segmenter } from '../../main/services/session/queue';

/** A stand-in runner that reports a few iterations and honours the abort signal like the real one. */
const slowSegmenter: Segmenter = {
  async segment(image, config, { onProgress, signal }) {
    const max = config.maxIterations ?? 3;
    for (let i = 1; i <= max; i++) {
      await new Promise((r) => setTimeout(r, 10));
      if (signal?.aborted) throw new DOMException('aborted', 'AbortError');
      onProgress?.({ iteration: i, maxIterations: max, loss: 1 / i, selfLabel: 0, consistency: 0, spatial: 0, labels: 4, elapsedMs: i * 10 });
    }
    return { size: 8, labels: new Uint8Array(64), clusters: 2, iterations: max, seconds: 0.03, backend: 'cpu', mode: 'faithful', stoppedBy: 'maxIterations' };
  },
};

describe('SegmentQueue', () => {
  it('warm-starts each job of a chain from the previous job\'s weights', async () => {
    const seen: Array<number | undefined> = [];
    const minIterations: Array<number | undefined> = [];
    let n = 0;
    const seg: Segmenter = {
      async segment(_image, config, { warmStart, keepWeights }) {
        seen.push(warmStart?.get('w')?.[0]);
        minIterations.push(config?.minIterations);
        const weights = keepWeights ? new Map([['w', Float32Array.of(++n)]]) : undefined;
        return { size: 8, labels: new Uint8Array(64), clusters: 2, iterations: 1, seconds: 0, backend: 'cpu', mode: 'faithful', stoppedBy: 'minLabels', ...(weights ? { weights } : {}) };
      },
    };
    const q = new SegmentQueue({ segmenter: async () => seg, prepare: async () => ({ width: 8, height: 8, data: new Float32Array(192) }), emit: () => undefined });
    q.enqueue(['a', 'b', 'c'].map((itemId) => ({ studyKey: 's', itemId, config: {}, chain: 's/series' })));
    q.enqueue([{ studyKey: 's', itemId: 'photo', config: {} }]);
    while (q.pending > 0) await new Promise((r) => setTimeout(r, 5));
    expect(seen).toEqual([undefined, 1, 2, undefined]);
    // Warm slices may stop as soon as the label-count rule holds; cold ones keep the mode's own minimum.
    expect(minIterations).toEqual([undefined, 1, 1, undefined]);
  });

  it('runs jobs one at a time with progress, and cancels queued and running ones', async () => {
    const events: JobEvent[] = [];
    const q = new SegmentQueue({ segmenter: async () => slowSegmenter, prepare: async () => ({ width: 8, height: 8, data: new Float32Array(192) }), emit: (e) => void events.push(e) });
    const jobs = q.enqueue(['a', 'b', 'c'].map((itemId) => ({ studyKey: 's', itemId, config: { maxIterations: 3 } })));
    await new Promise((r) => setTimeout(r, 45));
    q.cancel([jobs[1]?.jobId ?? '', jobs[2]?.jobId ?? '']);
    while (q.pending > 0) await new Promise((r) => setTimeout(r, 5));
    const of = (id: string | undefined): string[] => events.filter((e) => e.jobId === id).map((e) => e.type);
    expect(of(jobs[0]?.jobId)).toEqual(['queued', 'started', 'progress', 'progress', 'progress', 'done']);
    expect(of(jobs[1]?.jobId).at(-1)).toBe('cancelled');
    expect(of(jobs[2]?.jobId)).toEqual(['queued', 'cancelled']);
  });
});
