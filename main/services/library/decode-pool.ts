// A small pool of decoding worker threads: the item on screen jumps the queue ahead of prefetching. Workers that
// crash or exit are replaced (with backoff); the job they held fails with the reason; every job has a timeout.
import { Worker } from 'node:worker_threads';
import { IpcError } from '../errors';
import { decodeItem, type Decode, type DecodeRequest, type DecodedPhoto, type DecodedSlice, type Priority } from './decode';
import { errorCodes, type ErrorCode } from '../../contracts/result';

type Decoded = DecodedSlice | DecodedPhoto;
type Reply = { id: number; ok: true; value: Decoded } | { id: number; ok: false; code: string; message: string };

export interface DecodePool {
  readonly decode: Decode;
  close(): Promise<void>;
}

export interface DecodePoolOptions {
  /** A job still running after this is failed and its worker replaced (a codec stuck on a hostile file). */
  readonly jobTimeoutMs?: number;
  /** Jobs waiting at once; beyond it new jobs are refused rather than queued without bound. */
  readonly maxQueue?: number;
  /** First respawn delay after a crash; doubles per consecutive crash up to maxBackoffMs. */
  readonly backoffMs?: number;
  readonly maxBackoffMs?: number;
}

const DEFAULTS = { jobTimeoutMs: 30_000, maxQueue: 512, backoffMs: 100, maxBackoffMs: 10_000 };

/** Decodes inline: for tests and anywhere a worker thread is not wanted. */
export function inlineDecoder(): DecodePool {
  return { decode: ((request: DecodeRequest) => decodeItem(request)) as Decode, close: async () => undefined };
}

interface Job {
  readonly id: number;
  readonly key: string;
  readonly request: DecodeRequest;
  readonly promise: Promise<Decoded>;
  resolve(v: Decoded): void;
  reject(e: Error): void;
}

interface Slot {
  readonly worker: Worker;
  ready: boolean;
  job?: Job;
  timer?: ReturnType<typeof setTimeout>;
}

/** Workers start at once (in the background), so the first image does not wait for a thread to boot. */
export function createDecodePool(workerUrl: URL, size = 2, options: DecodePoolOptions = {}): DecodePool {
  const o = { ...DEFAULTS, ...options };
  const slots: Slot[] = [];
  const high: Job[] = [];
  const low: Job[] = [];
  let next = 1;
  let closed = false;
  let crashes = 0;
  let respawnTimer: ReturnType<typeof setTimeout> | undefined;

  const settle = (slot: Slot): Job | undefined => {
    const job = slot.job;
    slot.job = undefined;
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = undefined;
    return job;
  };
  const pump = (): void => {
    if (closed) return;
    for (const slot of slots) {
      if (!slot.ready || slot.job) continue;
      const job = high.shift() ?? low.shift();
      if (!job) return;
      slot.job = job;
      slot.timer = setTimeout(() => {
        // The worker may be stuck inside a codec: the only way out is to stop it; its exit respawns a fresh one.
        const stuck = settle(slot);
        stuck?.reject(new IpcError('failed', `${job.request.path}: decoding took longer than ${o.jobTimeoutMs / 1000} s and was stopped`));
        void slot.worker.terminate();
      }, o.jobTimeoutMs);
      slot.timer.unref?.();
      slot.worker.postMessage({ id: job.id, request: job.request });
    }
  };
  const lost = (slot: Slot, reason: string): void => {
    const i = slots.indexOf(slot);
    if (i < 0) return;
    slots.splice(i, 1);
    settle(slot)?.reject(new IpcError('failed', `${slot.job?.request.path ?? 'decode'}: ${reason}`));
    if (closed) return;
    crashes++;
    scheduleRespawn();
  };
  const scheduleRespawn = (): void => {
    if (respawnTimer || closed) return;
    const delay = Math.min(o.maxBackoffMs, o.backoffMs * 2 ** Math.max(0, crashes - 1));
    respawnTimer = setTimeout(() => {
      respawnTimer = undefined;
      while (!closed && slots.length < size) spawn();
    }, delay);
    respawnTimer.unref?.();
  };
  const spawn = (): void => {
    const worker = new Worker(workerUrl);
    const slot: Slot = { worker, ready: false };
    slots.push(slot);
    worker.on('message', (r: Reply | { ready: true }) => {
      // The worker says when its modules are loaded: job timeouts count from then, not from thread start.
      if ('ready' in r) {
        slot.ready = true;
        pump();
        return;
      }
      const job = slot.job;
      if (!job || job.id !== r.id) return;
      settle(slot);
      crashes = 0;
      if (r.ok) job.resolve(r.value);
      else job.reject(new IpcError(errorCodes.includes(r.code as ErrorCode) ? (r.code as ErrorCode) : 'failed', r.message));
      pump();
    });
    worker.on('error', (err) => {
      const job = settle(slot);
      job?.reject(new IpcError('failed', `${job.request.path}: the decoding worker failed: ${err.message}`));
      lost(slot, `the decoding worker failed: ${err.message}`);
    });
    worker.on('exit', (code) => {
      const job = settle(slot);
      job?.reject(new IpcError('failed', `${job.request.path}: the decoding worker stopped (exit code ${code}) while decoding it`));
      lost(slot, `the decoding worker stopped (exit code ${code})`);
    });
    worker.unref();
  };
  for (let i = 0; i < size; i++) spawn();

  const decode = (request: DecodeRequest, priority: Priority = 'high'): Promise<Decoded> => {
    if (closed) return Promise.reject(new IpcError('unavailable', 'the decoder is closed'));
    const key = request.kind === 'slice' ? `${request.path}#${request.frameIndex}` : request.path;
    // Already waiting as a prefetch: when the user now wants it, move it to the front instead of decoding twice.
    const queued = low.findIndex((j) => j.key === key);
    if (queued >= 0) {
      const [job] = low.splice(queued, 1);
      if (job) {
        (priority === 'high' ? high : low).unshift(job);
        pump();
        return job.promise;
      }
    }
    if (high.length + low.length >= o.maxQueue) {
      // Prefetches are the first to go; the item on screen is refused only when the queue is full of its peers.
      const dropped = priority === 'high' ? low.pop() : undefined;
      if (dropped) dropped.reject(new IpcError('cancelled', `${dropped.request.path}: prefetch dropped, the decode queue is full`));
      else return Promise.reject(new IpcError('unavailable', `${request.path}: the decode queue is full (${o.maxQueue} jobs waiting)`));
    }
    let resolve!: (v: Decoded) => void;
    let reject!: (e: Error) => void;
    const promise = new Promise<Decoded>((res, rej) => ((resolve = res), (reject = rej)));
    (priority === 'high' ? high : low).push({ id: next++, key, request, promise, resolve, reject });
    pump();
    return promise;
  };
  return {
    decode: decode as Decode,
    async close() {
      closed = true;
      if (respawnTimer) clearTimeout(respawnTimer);
      for (const job of [...high.splice(0), ...low.splice(0)]) job.reject(new IpcError('cancelled', `${job.request.path}: the decoder closed`));
      await Promise.all(slots.map((s) => s.worker.terminate()));
    },
  };
}
