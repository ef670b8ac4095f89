// The prompted session inside a worker thread: one image per worker, steps superseded through a shared generation.
import type { MessagePort } from 'node:worker_threads';
import { PromptedImageSession } from './session';
import type { PromptFromWorker, PromptToWorker } from './protocol';

/** Handles one worker's prompt messages on `port`; returns false for messages that are not the prompt protocol's. */
export function createPromptHandler(port: MessagePort): (msg: { type: string }) => boolean {
  let session: PromptedImageSession | undefined;
  let control: Int32Array | undefined;
  let opening: AbortController | undefined;
  const post = (m: PromptFromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);
  const fail = (id: number, err: unknown) => {
    const e = err instanceof Error ? err : new Error(String(err));
    post({ type: 'prompt-error', id, name: e.name, message: e.message });
  };
  const stopper = (generation: number) => () => (control ? Atomics.load(control, 0) !== generation : false);

  return (raw) => {
    if (!raw.type.startsWith('prompt-')) return false;
    const msg = raw as PromptToWorker;
    if (msg.type === 'prompt-cancel-open') {
      opening?.abort();
      return true;
    }
    if (msg.type === 'prompt-open') {
      control = msg.control;
      opening = new AbortController();
      const target = msg.target;
      void PromptedImageSession.open({ width: msg.width, height: msg.height, data: msg.data }, msg.config, target, {
        signal: opening.signal,
        onProgress: (progress) => post({ type: 'prompt-progress', id: msg.id, progress }),
        ...(msg.warmStart ? { warmStart: msg.warmStart } : {}),
        ...(msg.keepWeights ? { keepWeights: true } : {}),
      })
        .then((s) => {
          session = s;
          const step = msg.propose ? s.propose(stopper(Atomics.load(msg.control, 0))) : null;
          const { labels, size, clusters, weights } = s.prepared;
          post({ type: 'prompt-opened', id: msg.id, step, clusters, labels: labels.slice(), size, ...(weights ? { weights } : {}) });
        })
        .catch((err: unknown) => fail(msg.id, err));
      return true;
    }
    if (!session) {
      fail(msg.id, new Error('no image is open in this session'));
      return true;
    }
    try {
      const step = msg.type === 'prompt-apply' ? session.apply(msg.prompt, stopper(msg.generation)) : session.undo();
      post({ type: 'prompt-step', id: msg.id, step });
    } catch (err) {
      fail(msg.id, err);
    }
    return true;
  };
}
