// One image's prompted S3-Net state (in the thread that trains): features, the automatic proposal, each prompt's
// head and mask, undo. Every step warm-starts the head from the step before it.
import type { S3NetConfig } from '../config';
import type { RgbImage } from '../types';
import { lesionTarget } from '../postprocess/lesion';
import { lungTarget } from '../postprocess/lung';
import type { NativeTarget } from '../postprocess/target';
import { prepareImage, segmentSeeded, type PrepareOptions, type PreparedImage, type SeedSource } from './segment';
import { seedsFromMask } from './seeds';
import { checkPrompt, clickRadius, promptAnchors, rasterisePrompts } from './rasterise';
import type { HeadWeights } from './head';
import { geodesicDistance, proximity, signedMask } from './guidance';
import { poolToSize } from '../postprocess/components';
import { SEED_BACKGROUND, SEED_TARGET, SEED_UNKNOWN, type Prompt, type SeedMap } from './types';

/** What the automatic proposal seeds from: a rule that needs no ground truth, or nothing (an empty start). */
export type AutoTarget = { readonly kind: 'lesion' } | { readonly kind: 'lung'; readonly hu: Float32Array } | { readonly kind: 'none' };

/** How much the current mask's own seeds weigh against the user's prompts (whose classes weigh 1 each). */
export const PREVIOUS_MASK_WEIGHT = 0.5;
/** A box's centre (this share of each side) is a weak target seed, as GrabCut treats a box's inside as probable target. */
const BOX_CORE = 0.5;
const BOX_CORE_WEIGHT = 0.5;
/** A prompt's geodesic reach: proximity falls by e over this share of the working size (in unit steps). */
const GUIDANCE_SCALE = 0.05;
/** How much a unit of (median-normalised) feature change costs against a unit step in space. */
const GEODESIC_FEATURE_WEIGHT = 1;

export interface StepResult {
  readonly step: number;
  readonly mask: Uint8Array;
  readonly width: number;
  readonly height: number;
  /** Backbone iterations (step 0) or head steps (prompts). */
  readonly iterations: number;
  readonly seconds: number;
  readonly confidence: number;
  /** The rule's own mask and confidence (step 0 with a rule), so callers can report both. */
  readonly rule?: { readonly mask: Uint8Array; readonly confidence: number };
}

interface Step {
  readonly prompts: readonly Prompt[];
  readonly mask: Uint8Array;
  readonly head?: HeadWeights;
}

export class PromptedImageSession {
  private readonly steps: Step[] = [];

  private constructor(
    private readonly image: RgbImage,
    readonly prepared: PreparedImage,
    private readonly target: AutoTarget,
  ) {}

  /** Trains S3-Net on the image (self-supervised) and keeps what prompts need. */
  static async open(image: RgbImage, config: Partial<S3NetConfig>, target: AutoTarget, options: PrepareOptions = {}): Promise<PromptedImageSession> {
    const prepared = await prepareImage(image, config, { features: 'trunk', ...options });
    return new PromptedImageSession(image, prepared, target);
  }

  /** A session over an image S3-Net was already trained on (evaluations that cache the features). */
  static fromPrepared(image: RgbImage, prepared: PreparedImage, target: AutoTarget): PromptedImageSession {
    return new PromptedImageSession(image, prepared, target);
  }

  get width(): number { return this.image.width; }
  get height(): number { return this.image.height; }
  get stepCount(): number { return this.steps.length; }
  get prompts(): readonly Prompt[] { return this.steps.at(-1)?.prompts ?? []; }

  /**
   * Step 0: the rule's mask gives seeds (a core inside, the outside beyond a margin), the seeded head on S3-Net's
   * features makes the mask. With target 'none', or when the rule finds nothing, step 0 is empty.
   */
  propose(shouldStop?: () => boolean): StepResult {
    const started = performance.now();
    const { width, height } = this.image;
    const rule = this.ruleTarget();
    let mask: Uint8Array = new Uint8Array(width * height), head: HeadWeights | undefined, confidence = 0;
    if (rule && rule.mask.includes(1)) {
      const seeds = seedsFromMask(rule.mask, width, height, { minPixels: Math.max(2, width / this.prepared.size) });
      const r = segmentSeeded(this.prepared, [{ seeds, weight: 1 }], { image: this.image, ...this.cleanup(), ...(shouldStop ? { shouldStop } : {}) });
      if (r.aborted) throw new SupersededError();
      mask = r.mask;
      head = r.head;
      confidence = rule.confidence * agreement(r.mask, rule.mask);
    }
    this.steps.length = 0;
    this.steps.push({ prompts: [], mask, ...(head ? { head } : {}) });
    return {
      step: 0, mask, width, height, iterations: this.prepared.backbone.iterations,
      seconds: this.prepared.backbone.seconds + (performance.now() - started) / 1000, confidence,
      ...(rule ? { rule: { mask: rule.mask, confidence: rule.confidence } } : {}),
    };
  }

  /** One more prompt: checked first (a bad one changes nothing), then the head trains on all prompts so far. */
  apply(prompt: Prompt, shouldStop?: () => boolean): StepResult {
    const started = performance.now();
    const { width, height } = this.image;
    checkPrompt(prompt, width, height);
    if (this.steps.length === 0) this.steps.push({ prompts: [], mask: new Uint8Array(width * height) });
    const previous = this.steps.at(-1) as Step;
    const prompts = [...previous.prompts, prompt];
    const user = rasterisePrompts(prompts, width, height);
    const sources: SeedSource[] = [{ seeds: user, weight: 1 }];
    const pseudo = this.previousSeeds(previous.mask, user, prompts);
    if (pseudo) sources.push({ seeds: pseudo, weight: PREVIOUS_MASK_WEIGHT });
    const boxCore = boxCoreSeeds(prompts, width, height);
    if (boxCore && !pseudo) sources.push({ seeds: boxCore, weight: BOX_CORE_WEIGHT });
    const anchors = promptAnchors(prompts);
    const r = segmentSeeded(this.prepared, sources, {
      image: this.image, anchors, definite: user, guidance: this.guidance(previous.mask, anchors), ...this.cleanup(),
      ...(previous.head ? { warmHead: previous.head } : {}), ...(shouldStop ? { shouldStop } : {}),
    });
    if (r.aborted) throw new SupersededError();
    this.steps.push({ prompts, mask: r.mask, head: r.head });
    return { step: this.steps.length - 1, mask: r.mask, width, height, iterations: r.steps, seconds: (performance.now() - started) / 1000, confidence: r.fit * r.margin };
  }

  /** Back to the step before the last prompt (its mask exactly as it was). Null when there is nothing to undo. */
  undo(): StepResult | null {
    if (this.steps.length <= 1) return null;
    this.steps.pop();
    const s = this.steps.at(-1) as Step;
    return { step: this.steps.length - 1, mask: s.mask, width: this.width, height: this.height, iterations: 0, seconds: 0, confidence: 0 };
  }

  /**
   * The head's guidance for a prompt step: the previous mask (signed, softened over two cells) and each label's
   * geodesic proximity to its prompts along S3-Net's features.
   */
  private guidance(previous: Uint8Array, anchors: { include: readonly (readonly [number, number])[]; exclude: readonly (readonly [number, number])[] }): Float32Array[] {
    const { size, features } = this.prepared;
    const { width, height } = this.image;
    const cell = ([x, y]: readonly [number, number]) => Math.min(size - 1, Math.floor((y * size) / height)) * size + Math.min(size - 1, Math.floor((x * size) / width));
    const small = new Uint8Array(size * size);
    const pooled = poolToSize(width, height, size, (i) => previous[i] as number);
    for (let i = 0; i < small.length; i++) small[i] = (pooled[i] as number) >= 0.5 ? 1 : 0;
    const scale = GUIDANCE_SCALE * size;
    return [
      signedMask(small, size, 2),
      proximity(geodesicDistance(features, anchors.include.map(cell), GEODESIC_FEATURE_WEIGHT), scale),
      proximity(geodesicDistance(features, anchors.exclude.map(cell), GEODESIC_FEATURE_WEIGHT), scale),
    ];
  }

  private ruleTarget(): NativeTarget | null {
    const { labels, size } = this.prepared;
    if (this.target.kind === 'lesion') return lesionTarget(labels, size, this.image);
    if (this.target.kind === 'lung') return lungTarget(labels, size, this.target.hu, this.image.width, this.image.height);
    return null;
  }

  /** Lungs keep the hilum and large tumours open, as expert contours do; a lesion is filled. */
  private cleanup(): { holes: 'all' | number } {
    return { holes: this.target.kind === 'lung' ? 0.004 : 'all' };
  }

  /**
   * The current mask's confident core and outside, where no prompt speaks and not right around a prompt of the
   * opposite label (the user's word wins there).
   */
  private previousSeeds(mask: Uint8Array, user: SeedMap, prompts: readonly Prompt[]): SeedMap | null {
    const { width, height } = this.image;
    if (!mask.includes(1)) return null;
    const seeds = seedsFromMask(mask, width, height, { minPixels: Math.max(2, width / this.prepared.size) });
    const data = seeds.data;
    for (let i = 0; i < data.length; i++) if (user.data[i]) data[i] = SEED_UNKNOWN;
    const r = 3 * clickRadius(width, height);
    const { include, exclude } = promptAnchors(prompts);
    const clear = (points: readonly (readonly [number, number])[], value: number) => {
      for (const [cx, cy] of points) {
        for (let y = Math.max(0, cy - r); y <= Math.min(height - 1, cy + r); y++) {
          for (let x = Math.max(0, cx - r); x <= Math.min(width - 1, cx + r); x++) {
            if ((x - cx) ** 2 + (y - cy) ** 2 <= r * r && data[y * width + x] === value) data[y * width + x] = SEED_UNKNOWN;
          }
        }
      }
    };
    clear(include, SEED_BACKGROUND);
    clear(exclude, SEED_TARGET);
    return seeds;
  }
}

/** A newer prompt arrived while this one trained: its result is dropped, nothing changed. */
export class SupersededError extends Error {
  constructor() {
    super('superseded by a newer prompt');
    this.name = 'SupersededError';
  }
}

function boxCoreSeeds(prompts: readonly Prompt[], width: number, height: number): SeedMap | null {
  const box = [...prompts].reverse().find((p) => p.kind === 'box');
  if (!box || box.kind !== 'box') return null;
  const data = new Uint8Array(width * height);
  const cx = (box.x0 + box.x1) / 2, cy = (box.y0 + box.y1) / 2;
  const rx = (BOX_CORE * Math.abs(box.x1 - box.x0)) / 2, ry = (BOX_CORE * Math.abs(box.y1 - box.y0)) / 2;
  for (let y = Math.max(0, Math.floor(cy - ry)); y <= Math.min(height - 1, Math.ceil(cy + ry)); y++) {
    for (let x = Math.max(0, Math.floor(cx - rx)); x <= Math.min(width - 1, Math.ceil(cx + rx)); x++) {
      if (((x - cx) / Math.max(1, rx)) ** 2 + ((y - cy) / Math.max(1, ry)) ** 2 <= 1) data[y * width + x] = SEED_TARGET;
    }
  }
  return { width, height, data };
}

/** Dice between two masks (1 when both are empty). */
function agreement(a: Uint8Array, b: Uint8Array): number {
  let inter = 0, sa = 0, sb = 0;
  for (let i = 0; i < a.length; i++) {
    sa += a[i] as number;
    sb += b[i] as number;
    if (a[i] && b[i]) inter++;
  }
  return sa + sb === 0 ? 1 : (2 * inter) / (sa + sb);
}
