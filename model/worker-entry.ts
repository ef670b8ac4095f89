// The training worker: receives one image at a time, trains S3-Net on it, streams progress, honours cancel; or hosts
// one image's prompted session.
import { parentPort } from 'node:worker_threads';
import { trainImage } from './trainer';
import type { FromWorker, ToWorker } from './worker-protocol';
import { createPromptHandler } from './prompt/worker';

if (!parentPort) throw new Error('worker-entry must run in a worker thread');
const port = parentPort;
const running = new Map<number, AbortController>();
const post = (m: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

// The same worker also hosts a prompted session (model/prompt), for main/services/interactive.
const prompted = createPromptHandler(port);

port.on('message', (msg: ToWorker) => {
  if (prompted(msg)) return;
  if (msg.type === 'cancel') {
    running.get(msg.id)?.abort();
    return;
  }
  const controller = new AbortController();
  running.set(msg.id, controller);
  void trainImage({ width: msg.width, height: msg.height, data: msg.data }, msg.config, {
    signal: controller.signal,
    onProgress: (progress) => post({ type: 'progress', id: msg.id, progress }),
    ...(msg.warmStart ? { warmStart: msg.warmStart } : {}),
    ...(msg.keepWeights ? { keepWeights: true } : {}),
  })
    .then((result) => post({ type: 'done', id: msg.id, result }, [result.labels.buffer as ArrayBuffer]))
    .catch((err: unknown) => {
      const e = err instanceof Error ? err : new Error(String(err));
      post({ type: 'error', id: msg.id, name: e.name, message: e.message });
    })
    .finally(() => running.delete(msg.id));
});
post({ type: 'ready' });
