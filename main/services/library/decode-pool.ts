// A small pool of decoding worker threads: the item on screen jumps the queue ahead of prefetching.
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

/** Workers start at once (in the background), so the first image does not wait for a thread to boot. */
export function createDecodePool(workerUrl: URL, size = 2): DecodePool {
  const idle: Worker[] = [];
  const busy = new Map<Worker, Job>();
  const high: Job[] = [];
  const low: Job[] = [];
  let next = 1;

  const pump = (): void => {
    while (idle.length > 0 && (high.length > 0 || low.length > 0)) {
      const job = high.shift() ?? low.shift();
      const w = idle.pop();
      if (!job || !w) break;
      busy.set(w, job);
      w.postMessage({ id: job.id, request: job.request });
    }
  };
  const spawn = (): void => {
    const w = new Worker(workerUrl);
    w.once('online', () => {
      idle.push(w);
      pump();
    });
    w.on('message', (r: Reply) => {
      const job = busy.get(w);
      busy.delete(w);
      idle.push(w);
      if (job && job.id === r.id) {
        if (r.ok) job.resolve(r.value);
        else job.reject(new IpcError(errorCodes.includes(r.code as ErrorCode) ? (r.code as ErrorCode) : 'failed', r.message));
      }
      pump();
    });
    w.on('error', (err) => {
      busy.get(w)?.reject(err);
      busy.delete(w);
      const i = idle.indexOf(w);
      if (i >= 0) idle.splice(i, 1);
    });
    w.unref();
  };
  for (let i = 0; i < size; i++) spawn();

  const decode = (request: DecodeRequest, priority: Priority = 'high'): Promise<Decoded> => {
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
      await Promise.all([...idle, ...busy.keys()].map((w) => w.terminate()));
    },
  };
}
