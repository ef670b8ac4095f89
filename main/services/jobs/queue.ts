// The series queue on BullMQ: one job per series, three attempts then parked with its reason, per-worker throughput.
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import { checkReachable, queueTarget, type QueueTarget } from './connection.js';

export const QUEUE_NAME = 's3a-series';
export const ATTEMPTS = 3;

export interface SeriesJobData {
  /** DICOMweb root the series lives on. */
  readonly pacs: string;
  readonly studyInstanceUID: string;
  readonly seriesInstanceUID: string;
  readonly modality: string;
  readonly patientId: string;
}

export interface SeriesJobResult {
  readonly worker: string;
  readonly outcome: 'stored' | 'already-present';
  readonly segSopInstanceUID: string;
  readonly seconds: number;
}

/** What a worker does with one job; throw SeriesUnusable for a series no retry can help (it is parked at once). */
export type SeriesProcessor = (job: SeriesJobData, context: { attempt: number; signal: AbortSignal }) => Promise<Omit<SeriesJobResult, 'worker' | 'seconds'>>;

export class SeriesUnusable extends UnrecoverableError {
  constructor(reason: string) {
    super(reason);
    this.name = 'SeriesUnusable';
  }
}

/** One job per series and server: enqueueing a series twice finds the job already there. */
export function seriesJobId(pacs: string, series: string): string {
  return `series-${createHash('sha256').update(`${pacs.replace(/\/+$/, '')}\n${series}`).digest('hex').slice(0, 32)}`;
}

export async function openQueue(url: string): Promise<{ queue: Queue<SeriesJobData, SeriesJobResult>; target: QueueTarget }> {
  const target = queueTarget(url);
  await checkReachable(target);
  return { queue: new Queue<SeriesJobData, SeriesJobResult>(QUEUE_NAME, { connection: target.options }), target };
}

export interface EnqueueResult {
  readonly added: number;
  readonly alreadyQueued: number;
}

export async function enqueueSeries(url: string, jobs: readonly SeriesJobData[]): Promise<EnqueueResult> {
  const { queue } = await openQueue(url);
  try {
    let added = 0;
    for (const data of jobs) {
      const jobId = seriesJobId(data.pacs, data.seriesInstanceUID);
      if (await queue.getJob(jobId)) continue;
      await queue.add('segment', data, {
        jobId, attempts: ATTEMPTS, backoff: { type: 'exponential', delay: 2000 },
        removeOnComplete: false, removeOnFail: false,
      });
      added++;
    }
    return { added, alreadyQueued: jobs.length - added };
  } finally {
    await queue.close();
  }
}

export interface WorkerOptions {
  /** Shown in queue status; default host:pid. */
  readonly id?: string;
  /** A job whose worker stops renewing its lock for this long is given to another worker (default 30 s). */
  readonly lockMs?: number;
  readonly onEvent?: (line: string) => void;
}

export interface RunningWorker {
  readonly id: string;
  /** Finishes the job in hand, then stops. */
  close(): Promise<void>;
}

export async function startWorker(url: string, processor: SeriesProcessor, options: WorkerOptions = {}): Promise<RunningWorker> {
  const target = queueTarget(url);
  await checkReachable(target);
  const id = options.id ?? `${hostname()}:${process.pid}`;
  const lockDuration = options.lockMs ?? 30_000;
  const log = options.onEvent ?? (() => undefined);
  const worker = new Worker<SeriesJobData, SeriesJobResult>(QUEUE_NAME, async (job: Job<SeriesJobData, SeriesJobResult>, _token, signal) => {
    const started = performance.now();
    log(`job ${job.id}: series ${job.data.seriesInstanceUID} (attempt ${job.attemptsMade + 1} of ${ATTEMPTS})`);
    const r = await processor(job.data, { attempt: job.attemptsMade + 1, signal: signal ?? new AbortController().signal });
    return { ...r, worker: id, seconds: Number(((performance.now() - started) / 1000).toFixed(2)) };
  }, {
    connection: target.options, name: id, concurrency: 1, autorun: true,
    lockDuration, stalledInterval: Math.max(1000, Math.round(lockDuration / 2)), maxStalledCount: 2,
  });
  worker.on('completed', (job, r) => log(`job ${job.id}: series ${job.data.seriesInstanceUID}: ${r.outcome} SEG ${r.segSopInstanceUID} in ${r.seconds} s`));
  worker.on('failed', (job, err) => {
    if (!job) return;
    const parked = err instanceof UnrecoverableError || job.attemptsMade >= ATTEMPTS;
    log(`job ${job.id}: series ${job.data.seriesInstanceUID} failed${parked ? ' and is parked' : `, will retry (attempt ${job.attemptsMade} of ${ATTEMPTS})`}: ${err.message}`);
  });
  worker.on('error', (err) => log(`worker error: ${err.message}`));
  await worker.waitUntilReady();
  return { id, close: () => worker.close() };
}

export interface WorkerThroughput {
  readonly worker: string;
  readonly done: number;
  readonly meanSeconds: number;
  /** Series finished per hour between this worker's first start and last finish. */
  readonly seriesPerHour: number;
}

export interface QueueStatus {
  readonly waiting: number;
  readonly active: number;
  readonly delayed: number;
  readonly done: number;
  readonly failed: number;
  readonly workersConnected: string[];
  readonly throughput: WorkerThroughput[];
  readonly parked: { series: string; reason: string; attempts: number }[];
}

export async function queueStatus(url: string): Promise<QueueStatus> {
  const { queue } = await openQueue(url);
  try {
    const c = await queue.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed', 'prioritized');
    const completed = await queue.getCompleted(0, -1);
    const failed = await queue.getFailed(0, -1);
    const byWorker = new Map<string, { n: number; seconds: number; first: number; last: number }>();
    for (const j of completed) {
      const r = j.returnvalue as SeriesJobResult | undefined;
      if (!r?.worker) continue;
      const w = byWorker.get(r.worker) ?? { n: 0, seconds: 0, first: Infinity, last: 0 };
      w.n++;
      w.seconds += r.seconds;
      w.first = Math.min(w.first, j.processedOn ?? Infinity);
      w.last = Math.max(w.last, j.finishedOn ?? 0);
      byWorker.set(r.worker, w);
    }
    const workers = await queue.getWorkers().catch(() => [] as Record<string, string>[]);
    return {
      waiting: (c.waiting ?? 0) + (c.prioritized ?? 0), active: c.active ?? 0, delayed: c.delayed ?? 0, done: c.completed ?? 0, failed: c.failed ?? 0,
      workersConnected: workers.map((w) => w.name ?? w.id ?? '?').filter(Boolean),
      throughput: [...byWorker].map(([worker, w]) => ({
        worker, done: w.n, meanSeconds: Number((w.seconds / w.n).toFixed(2)),
        seriesPerHour: Number((w.n / Math.max(1e-9, (w.last - w.first) / 3_600_000)).toFixed(1)),
      })).sort((a, b) => (a.worker < b.worker ? -1 : 1)),
      parked: failed.map((j) => ({ series: (j.data as SeriesJobData).seriesInstanceUID, reason: j.failedReason ?? '', attempts: j.attemptsMade })),
    };
  } finally {
    await queue.close();
  }
}
