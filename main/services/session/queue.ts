// The background S3-Net queue: one job per slice/photo, run off the main loop by the model's worker runner.
import type { RgbImage, SegmentationResult, TrainProgress } from '../../../model/types';
import { WARM_MIN_ITERATIONS, type S3NetConfig } from '../../../model/config';

/** The model's runner, as model/runner.ts exports it (structural, so tests may pass a fake). */
export interface Segmenter {
  segment(
    image: RgbImage,
    config: Partial<S3NetConfig>,
    options: { onProgress?: (p: TrainProgress) => void; signal?: AbortSignal; warmStart?: Map<string, Float32Array>; keepWeights?: boolean },
  ): Promise<SegmentationResult & { readonly weights?: Map<string, Float32Array> }>;
}

export interface JobSpec {
  readonly studyKey: string;
  readonly itemId: string;
  readonly config: Partial<S3NetConfig>;
  /**
   * Jobs of one chain (the slices of a series, queued in order) warm-start from the previous job's trained weights:
   * adjacent CT slices look alike, so each starts near its answer.
   */
  readonly chain?: string;
}

const MAX_CHAINS = 2;

export type JobEvent =
  | { readonly type: 'queued' | 'cancelled'; readonly jobId: string; readonly spec: JobSpec }
  | { readonly type: 'progress'; readonly jobId: string; readonly spec: JobSpec; readonly progress: TrainProgress }
  | { readonly type: 'started'; readonly jobId: string; readonly spec: JobSpec }
  | { readonly type: 'done'; readonly jobId: string; readonly spec: JobSpec; readonly result: SegmentationResult }
  | { readonly type: 'failed'; readonly jobId: string; readonly spec: JobSpec; readonly message: string };

interface Job {
  readonly id: string;
  readonly spec: JobSpec;
  readonly abort: AbortController;
}

export class SegmentQueue {
  readonly #segmenter: () => Promise<Segmenter>;
  readonly #prepare: (spec: JobSpec) => Promise<RgbImage>;
  readonly #emit: (e: JobEvent) => void | Promise<void>;
  readonly #concurrency: number;
  readonly #waiting: Job[] = [];
  readonly #running = new Map<string, Job>();
  readonly #chainWeights = new Map<string, Map<string, Float32Array>>();
  #next = 1;

  constructor(options: {
    segmenter: () => Promise<Segmenter>;
    prepare: (spec: JobSpec) => Promise<RgbImage>;
    emit: (e: JobEvent) => void | Promise<void>;
    concurrency?: number;
  }) {
    this.#segmenter = options.segmenter;
    this.#prepare = options.prepare;
    this.#emit = options.emit;
    this.#concurrency = options.concurrency ?? 1;
  }

  enqueue(specs: readonly JobSpec[]): Array<{ jobId: string; itemId: string }> {
    const out = specs.map((spec) => {
      const job: Job = { id: `job-${this.#next++}`, spec, abort: new AbortController() };
      this.#waiting.push(job);
      void this.#emit({ type: 'queued', jobId: job.id, spec });
      return { jobId: job.id, itemId: spec.itemId };
    });
    this.#pump();
    return out;
  }

  /** Cancels the given jobs, or every queued and running job. */
  cancel(jobIds?: readonly string[]): void {
    const wanted = (j: Job): boolean => !jobIds || jobIds.includes(j.id);
    for (let i = this.#waiting.length - 1; i >= 0; i--) {
      const job = this.#waiting[i];
      if (job && wanted(job)) {
        this.#waiting.splice(i, 1);
        void this.#emit({ type: 'cancelled', jobId: job.id, spec: job.spec });
      }
    }
    for (const job of this.#running.values()) if (wanted(job)) job.abort.abort();
  }

  get pending(): number {
    return this.#waiting.length + this.#running.size;
  }

  #keepWeights(chain: string, weights: Map<string, Float32Array>): void {
    this.#chainWeights.delete(chain);
    this.#chainWeights.set(chain, weights);
    // A network's weights are megabytes (the deformable offsets are per pixel): keep only the latest chains.
    while (this.#chainWeights.size > MAX_CHAINS) this.#chainWeights.delete(this.#chainWeights.keys().next().value ?? '');
  }

  #pump(): void {
    while (this.#running.size < this.#concurrency && this.#waiting.length > 0) {
      const job = this.#waiting.shift();
      if (!job) break;
      this.#running.set(job.id, job);
      void this.#run(job).finally(() => {
        this.#running.delete(job.id);
        this.#pump();
      });
    }
  }

  async #run(job: Job): Promise<void> {
    const { id: jobId, spec } = job;
    try {
      await this.#emit({ type: 'started', jobId, spec });
      const [segmenter, image] = await Promise.all([this.#segmenter(), this.#prepare(spec)]);
      const warm = spec.chain ? this.#chainWeights.get(spec.chain) : undefined;
      // A warm slice may stop as soon as the label-count rule holds, as the CLI's --warm-start does.
      const config = warm ? { ...spec.config, minIterations: WARM_MIN_ITERATIONS } : spec.config;
      const result = await segmenter.segment(image, config, {
        signal: job.abort.signal,
        onProgress: (progress) => void this.#emit({ type: 'progress', jobId, spec, progress }),
        ...(spec.chain ? { keepWeights: true } : {}),
        ...(warm ? { warmStart: warm } : {}),
      });
      if (spec.chain && result.weights) this.#keepWeights(spec.chain, result.weights);
      if (job.abort.signal.aborted) throw new DOMException('cancelled', 'AbortError');
      await this.#emit({ type: 'done', jobId, spec, result });
    } catch (err) {
      if (job.abort.signal.aborted) await this.#emit({ type: 'cancelled', jobId, spec });
      else await this.#emit({ type: 'failed', jobId, spec, message: err instanceof Error ? err.message : String(err) });
    }
  }
}
