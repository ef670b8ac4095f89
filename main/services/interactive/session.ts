// An interactive S3-Net session on one image: the automatic proposal, then prompts that steer the same per-image
// training, undo and supersede. Training runs in a worker thread of its own; this object lives on the caller's loop.
// The CLI's `interactive` command and the app's prompt IPC are thin layers over it.
import { Worker } from 'node:worker_threads';
import type { S3NetConfig } from '../../../model/config';
import type { RgbImage, TrainProgress } from '../../../model/types';
import { checkPrompt } from '../../../model/prompt/rasterise';
import type { Prompt } from '../../../model/prompt/types';
import type { StepResult } from '../../../model/prompt/session';
import type { PromptFromWorker, PromptToWorker, TargetMessage } from '../../../model/prompt/protocol';

export { PromptError, type Prompt } from '../../../model/prompt/types';
export type { StepResult } from '../../../model/prompt/session';

const DEFAULT_WORKER = new URL('../../../model/worker-bootstrap.mjs', import.meta.url);

export interface SessionOptions {
  readonly config?: Partial<S3NetConfig>;
  /** Make the automatic proposal (step 0); otherwise the session starts from an empty mask. */
  readonly propose?: boolean;
  readonly onProgress?: (p: TrainProgress) => void;
  readonly signal?: AbortSignal;
  /** The worker script (bundled apps pass theirs). */
  readonly workerUrl?: URL;
  /** Start S3-Net from these weights (the neighbouring slice's) and hand back the trained ones. */
  readonly warmStart?: Map<string, Float32Array>;
  readonly keepWeights?: boolean;
}

export interface OpenedSession {
  readonly session: InteractiveSession;
  /** Step 0: the automatic proposal, or an empty mask with propose false. */
  readonly step: StepResult;
  /** S3-Net's clusters at the working size. */
  readonly labels: Uint8Array;
  readonly size: number;
  readonly clusters: number;
  readonly weights?: Map<string, Float32Array>;
}

/** A newer prompt replaced this one while it trained; nothing changed. */
export class SupersededError extends Error {
  constructor() {
    super('superseded by a newer prompt');
    this.name = 'SupersededError';
  }
}

export class InteractiveSession {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(v: PromptFromWorker): void; reject(e: Error): void; onProgress?: (p: TrainProgress) => void }>();
  private readonly control = new Int32Array(new SharedArrayBuffer(4));
  private prompts: Prompt[] = [];
  private closed = false;
  /** Steps resolve in order: a prompt waits for the one before it (which a newer prompt cancels). */
  private chain: Promise<unknown> = Promise.resolve();

  private constructor(private readonly worker: Worker, readonly width: number, readonly height: number) {
    worker.on('message', (m: PromptFromWorker) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      if (m.type === 'prompt-progress') {
        p.onProgress?.(m.progress);
        return;
      }
      this.pending.delete(m.id);
      if (m.type === 'prompt-error') p.reject(m.name === 'SupersededError' ? new SupersededError() : Object.assign(new Error(m.message), { name: m.name }));
      else p.resolve(m);
    });
    const onExit = (err: Error) => {
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
      this.closed = true;
    };
    worker.on('error', onExit);
    worker.on('exit', (code) => onExit(new Error(`interactive session worker exited with code ${code}`)));
  }

  /** Trains S3-Net on the image in a new worker and makes step 0. */
  static async open(image: RgbImage, target: TargetMessage, options: SessionOptions = {}): Promise<OpenedSession> {
    if (options.signal?.aborted) throw Object.assign(new Error('training cancelled'), { name: 'AbortError' });
    const worker = new Worker(options.workerUrl ?? DEFAULT_WORKER);
    const session = new InteractiveSession(worker, image.width, image.height);
    const id = session.nextId++;
    const onAbort = () => worker.postMessage({ type: 'prompt-cancel-open', id } satisfies PromptToWorker);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const reply = await session.request({
        type: 'prompt-open', id, width: image.width, height: image.height, data: image.data,
        config: options.config ?? {}, target, propose: options.propose ?? true, control: session.control,
        ...(options.warmStart ? { warmStart: options.warmStart } : {}), ...(options.keepWeights ? { keepWeights: true } : {}),
      }, options.onProgress);
      if (reply.type !== 'prompt-opened') throw new Error('unexpected reply');
      const step = reply.step ?? { step: 0, mask: new Uint8Array(image.width * image.height), width: image.width, height: image.height, iterations: 0, seconds: 0, confidence: 0 };
      return { session, step, labels: reply.labels, size: reply.size, clusters: reply.clusters, ...(reply.weights ? { weights: reply.weights } : {}) };
    } catch (err) {
      await session.close();
      throw err;
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
    }
  }

  /** The prompts of the current step, oldest first. */
  get currentPrompts(): readonly Prompt[] {
    return this.prompts;
  }

  /**
   * Adds a prompt. A bad one (outside the image, empty, no area) is refused with a PromptError and changes nothing.
   * A prompt sent while another trains supersedes it: the older promise rejects with SupersededError.
   */
  prompt(p: Prompt): Promise<StepResult> {
    this.assertOpen();
    checkPrompt(p, this.width, this.height);
    const generation = Atomics.add(this.control, 0, 1) + 1;
    const id = this.nextId++;
    const run = async (): Promise<StepResult> => {
      if (Atomics.load(this.control, 0) !== generation) throw new SupersededError();
      const reply = await this.request({ type: 'prompt-apply', id, prompt: p, generation });
      if (reply.type !== 'prompt-step' || !reply.step) throw new Error('unexpected reply');
      this.prompts = [...this.prompts, p];
      return reply.step;
    };
    const result = this.chain.then(run, run);
    this.chain = result.catch(() => undefined);
    return result;
  }

  /** Back one prompt; null when there is nothing to undo. */
  undo(): Promise<StepResult | null> {
    this.assertOpen();
    Atomics.add(this.control, 0, 1);
    const id = this.nextId++;
    const run = async (): Promise<StepResult | null> => {
      const reply = await this.request({ type: 'prompt-undo', id });
      if (reply.type !== 'prompt-step') throw new Error('unexpected reply');
      if (reply.step) this.prompts = this.prompts.slice(0, -1);
      return reply.step;
    };
    const result = this.chain.then(run, run);
    this.chain = result.catch(() => undefined);
    return result;
  }

  async close(): Promise<void> {
    this.closed = true;
    Atomics.add(this.control, 0, 1);
    await this.worker.terminate();
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('the interactive session is closed');
  }

  private request(msg: PromptToWorker, onProgress?: (p: TrainProgress) => void): Promise<PromptFromWorker> {
    return new Promise((resolve, reject) => {
      this.pending.set(msg.id, { resolve, reject, ...(onProgress ? { onProgress } : {}) });
      this.worker.postMessage(msg);
    });
  }
}
