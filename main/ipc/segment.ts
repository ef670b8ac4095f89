// IPC for S3-Net runs: queue items, stream progress and finished proposals, cancel, and click-to-pick a cluster.
import { cancelRequest, labelsRequest, pickRequest, runRequest, segmentChannels, type JobProgress, type JobResult } from '../contracts';
import { SegmentQueue, type JobEvent } from '../services/session/queue';
import { handle, IpcError, type HandlerTable } from './handler';
import type { IpcDeps } from './deps';
import { toModelImage } from './images';
import { DEFAULT_MAX_ITERATIONS } from '../../model/config';
import { pickMask, proposeTarget } from '../services/library/labels';
import { resizeLabels } from '../../model/postprocess';

export function segmentHandlers(deps: IpcDeps): { handlers: HandlerTable; queue: SegmentQueue } {
  const { library, store, events } = deps;
  // The last report per job, so that 'done' and 'cancelled' still show how far the run got and its loss.
  const last = new Map<string, { iteration: number; maxIterations: number; loss: number }>();
  const progress = (e: JobEvent, state: JobProgress['state'], message?: string): void => {
    if (e.type === 'progress') last.set(e.jobId, e.progress);
    const p = last.get(e.jobId) ?? null;
    if (state !== 'queued' && state !== 'running') last.delete(e.jobId);
    const max = p?.maxIterations ?? e.spec.config.maxIterations ?? DEFAULT_MAX_ITERATIONS;
    const update: JobProgress = { jobId: e.jobId, itemId: e.spec.itemId, studyKey: e.spec.studyKey, state, iteration: p?.iteration ?? 0, maxIterations: max, loss: p?.loss ?? null };
    events.send(segmentChannels.progress, message ? { ...update, message } : update);
  };

  const finish = async (e: Extract<JobEvent, { type: 'done' }>): Promise<void> => {
    const { studyKey, itemId } = e.spec;
    const item = await library.item(studyKey, itemId);
    const { mask, confidence: raw } = proposeTarget(e.result.labels, e.result.size, item, toModelImage(item));
    // The contract promises 0..1; a rule that cannot tell (NaN) counts as doubtful, so a person looks at it.
    const confidence = Number.isFinite(raw) ? Math.min(1, Math.max(0, raw)) : 0;
    await store.saveLabels(studyKey, itemId, e.result.size, e.result.labels);
    // A proposal replaces only what nobody has reviewed yet; accepted or corrected work is never overwritten.
    const status = (await store.load(studyKey)).statuses[itemId] ?? 'not-run';
    if (status === 'not-run' || status === 'proposed') {
      await store.saveMask(studyKey, itemId, item.width, item.height, mask);
      await store.setProposed(studyKey, itemId, confidence);
    }
    const result: JobResult = { jobId: e.jobId, itemId, studyKey, width: item.width, height: item.height, mask, clusters: e.result.clusters, iterations: e.result.iterations, seconds: e.result.seconds, confidence };
    events.send(segmentChannels.result, result);
    progress(e, 'done');
  };

  const queue = new SegmentQueue({
    segmenter: deps.segmenter,
    prepare: async ({ studyKey, itemId }) => toModelImage(await library.item(studyKey, itemId)),
    emit: async (e) => {
      if (e.type === 'done') await finish(e).catch((err: unknown) => progress(e, 'failed', err instanceof Error ? err.message : String(err)));
      else if (e.type === 'failed') progress(e, 'failed', e.message);
      else progress(e, e.type === 'started' || e.type === 'progress' ? 'running' : e.type);
    },
  });

  const handlers: HandlerTable = {
    [segmentChannels.run]: handle(runRequest, async ({ studyKey, itemIds, config }) => {
      const sources = itemIds.map((id) => library.source(studyKey, id));
      // The app proposes with the default mode (docs/EVALUATION.md: the same Dice as faithful in less time).
      const merged = { mode: 'default' as const, ...config, ...deps.runDefaults };
      // Several slices of one series run as a chain: each warm-starts from the slice before it.
      const chainOf = (i: number): string | undefined => {
        const s = sources[i];
        return itemIds.length > 1 && s?.kind === 'slice' ? `${studyKey}/${s.seriesUid}` : undefined;
      };
      return { jobs: queue.enqueue(itemIds.map((itemId, i) => ({ studyKey, itemId, config: merged, ...(chainOf(i) ? { chain: chainOf(i) } : {}) }))) };
    }),
    [segmentChannels.cancel]: handle(cancelRequest, async ({ jobIds }) => {
      queue.cancel(jobIds);
      return null;
    }),
    [segmentChannels.pick]: handle(pickRequest, async ({ studyKey, itemId, x, y, what }) => {
      const item = await library.item(studyKey, itemId);
      if (x >= item.width || y >= item.height) throw new IpcError('invalid', 'the point is outside the image');
      const saved = await store.readLabels(studyKey, itemId);
      if (!saved) throw new IpcError('not-found', 'run S3-Net on this item first');
      return { width: item.width, height: item.height, mask: pickMask(saved.labels, saved.size, item, toModelImage(item), x, y, what) };
    }),
    [segmentChannels.labels]: handle(labelsRequest, async ({ studyKey, itemId }) => {
      const item = await library.item(studyKey, itemId);
      const saved = await store.readLabels(studyKey, itemId);
      if (!saved) return null;
      const labels = resizeLabels(saved.labels, saved.size, saved.size, item.width, item.height);
      return { width: item.width, height: item.height, labels, clusters: new Set(saved.labels).size };
    }),
  };
  return { handlers, queue };
}
