// Runs S3-Net training in worker threads, off the caller's event loop: a queue, progress, cancel, N workers.
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import type { S3NetConfig } from './config';
import { resizeBilinearRgb, TrainingAbortedError, validateImage } from './trainer';
import { validateConfig } from './config';
import type { RgbImage, SegmentationResult, TrainProgress } from './types';
import type { FromWorker, SegmentRequest } from './worker-protocol';

export interface SegmentOptions {
  readonly onProgress?: (progress: TrainProgress) => void;
  readonly signal?: AbortSignal;
  readonly warmStart?: Map<string, Float32Array>;
  readonly keepWeights?: boolean;
}
export type RunnerResult = SegmentationResult & { readonly weights?: Map<string, Float32Array> };

export interface SegmentationRunner {
  /** Queues one image; resolves with its label map, rejects with an AbortError on cancel. */
  segment(image: RgbImage, config?: Partial<S3NetConfig>, options?: SegmentOptions): Promise<RunnerResult>;
  /** Jobs queued or running. */
  readonly pending: number;
  /** Cancels everything and stops the workers. */
  close(): Promise<void>;
}

export interface RunnerOptions {
  /** Worker threads (default: one per core, at most 2; one image trains on one core). */
  readonly workers?: number;
  /** The worker script; defaults to worker-bootstrap.mjs beside this file (runs worker-entry.ts through tsx). Bundled apps pass theirs. */
  readonly workerUrl?: URL;
  /** A job still training after this fails with the reason and its worker is replaced (default 20 min). */
  readonly jobTimeoutMs?: number;
  /** Jobs queued at once; more are refused with a reason instead of piling up (default 1000). */
  readonly maxQueue?: number;
  /** Respawn delay after a worker dies, doubled per consecutive death up to 10 s (default 200 ms). */
  readonly backoffMs?: number;
}

interface Job {
  readonly request: SegmentRequest;
  readonly options: SegmentOptions;
  resolve(r: RunnerResult): void;
  reject(e: Error): void;
  worker?: WorkerSlot;
  cleanup?: () => void;
}
interface WorkerSlot {
  worker: Worker;
  ready: boolean;
  job?: Job;
  timer?: ReturnType<typeof setTimeout>;
}

const DEFAULT_WORKER = new URL('./worker-bootstrap.mjs', import.meta.url);

export function createSegmentationRunner(options: RunnerOptions = {}): SegmentationRunner {
  const size = Math.max(1, options.workers ?? Math.min(2, availableParallelism()));
  const workerUrl = options.workerUrl ?? DEFAULT_WORKER;
  const slots: WorkerSlot[] = [];
  const queue: Job[] = [];
  const jobs = new Map<number, Job>();
  let nextId = 1;
  let closed = false;
  const jobTimeoutMs = options.jobTimeoutMs ?? 20 * 60_000;
  const maxQueue = options.maxQueue ?? 1000;
  const backoffMs = options.backoffMs ?? 200;
  let deaths = 0;
  let spawnAfter = 0;
  let pumpTimer: ReturnType<typeof setTimeout> | undefined;

  const spawn = (): WorkerSlot => {
    const slot: WorkerSlot = { worker: new Worker(workerUrl), ready: false };
    slot.worker.on('message', (msg: FromWorker) => {
      if (msg.type !== 'ready') return onMessage(msg);
      slot.ready = true;
      if (slot.job) startTimer(slot, slot.job);
    });
    slot.worker.on('error', (err) => onWorkerExit(slot, err));
    slot.worker.on('exit', (code) => onWorkerExit(slot, new Error(`the segmentation worker stopped (exit code ${code}) while training this image`)));
    slots.push(slot);
    return slot;
  };

  const finish = (job: Job) => {
    jobs.delete(job.request.id);
    job.cleanup?.();
    if (job.worker) {
      if (job.worker.timer) clearTimeout(job.worker.timer);
      job.worker.timer = undefined;
      job.worker.job = undefined;
    }
    job.worker = undefined;
    pump();
  };

  function onMessage(msg: Exclude<FromWorker, { type: 'ready' }>): void {
    const job = jobs.get(msg.id);
    if (!job) return;
    if (msg.type === 'progress') {
      job.options.onProgress?.(msg.progress);
      return;
    }
    finish(job);
    if (msg.type === 'done') deaths = 0;
    if (msg.type === 'done') job.resolve(msg.result);
    else job.reject(msg.name === 'AbortError' ? new TrainingAbortedError() : Object.assign(new Error(msg.message), { name: msg.name }));
  }

  function onWorkerExit(slot: WorkerSlot, err: Error): void {
    const i = slots.indexOf(slot);
    if (i < 0) return;
    slots.splice(i, 1);
    if (!closed) {
      // Replaced on demand by pump, after a delay that grows while workers keep dying (a broken install).
      deaths++;
      spawnAfter = Date.now() + Math.min(10_000, backoffMs * 2 ** (deaths - 1));
    }
    const job = slot.job;
    if (job) {
      finish(job);
      job.reject(closed ? new TrainingAbortedError() : err);
    }
  }

  function startTimer(held: WorkerSlot, job: Job): void {
    held.timer = setTimeout(() => {
      // Stuck or far too slow: fail it with the reason, and stop the thread (its exit makes room for a fresh one).
      const at = slots.indexOf(held);
      if (at >= 0) slots.splice(at, 1); // out of service before finish() hands its thread another job
      finish(job);
      job.reject(new Error(`training took longer than ${jobTimeoutMs / 1000} s and was stopped`));
      void held.worker.terminate();
    }, jobTimeoutMs);
  }

  function pump(): void {
    if (closed) return;
    while (queue.length > 0) {
      let slot = slots.find((s) => !s.job);
      if (!slot && slots.length < size) {
        const wait = spawnAfter - Date.now();
        if (wait > 0) {
          pumpTimer ??= setTimeout(() => {
            pumpTimer = undefined;
            pump();
          }, wait);
          return;
        }
        slot = spawn();
      }
      if (!slot) return;
      const job = queue.shift() as Job;
      slot.job = job;
      job.worker = slot;
      if (slot.ready) startTimer(slot, job);
      // The image is copied into the message (structured clone), so the caller keeps its buffer.
      slot.worker.postMessage(job.request);
    }
  }

  return {
    get pending() {
      return jobs.size;
    },
    segment(image, config = {}, opts = {}) {
      if (closed) return Promise.reject(new Error('segmentation runner is closed'));
      validateImage(image);
      if (opts.signal?.aborted) return Promise.reject(new TrainingAbortedError());
      if (queue.length >= maxQueue) return Promise.reject(new Error(`the segmentation queue is full (${maxQueue} images waiting)`));
      // The worker only ever needs the working-size image: resample it here (exactly as the trainer would), so a
      // 12-megapixel photo is not copied into the worker (146 MB as floats).
      const size = validateConfig(config).size;
      const sent = image.width === size && image.height === size ? image : { width: size, height: size, data: resizeBilinearRgb(image, size) };
      return new Promise<RunnerResult>((resolve, reject) => {
        const id = nextId++;
        const request: SegmentRequest = {
          type: 'segment',
          id,
          width: sent.width,
          height: sent.height,
          data: sent.data,
          config,
          ...(opts.warmStart ? { warmStart: opts.warmStart } : {}),
          ...(opts.keepWeights ? { keepWeights: true } : {}),
        };
        const job: Job = { request, options: opts, resolve, reject };
        if (opts.signal) {
          const onAbort = () => {
            if (job.worker) {
              job.worker.worker.postMessage({ type: 'cancel', id });
            } else {
              const q = queue.indexOf(job);
              if (q >= 0) queue.splice(q, 1);
              finish(job);
              reject(new TrainingAbortedError());
            }
          };
          opts.signal.addEventListener('abort', onAbort, { once: true });
          job.cleanup = () => opts.signal?.removeEventListener('abort', onAbort);
        }
        jobs.set(id, job);
        queue.push(job);
        pump();
      });
    },
    async close() {
      closed = true;
      if (pumpTimer) clearTimeout(pumpTimer);
      for (const job of queue.splice(0)) {
        jobs.delete(job.request.id);
        job.cleanup?.();
        job.reject(new TrainingAbortedError());
      }
      await Promise.all(slots.slice().map((s) => s.worker.terminate()));
    },
  };
}
