// Messages between a prompted session's owner (main/services/interactive) and its worker thread.
import type { S3NetConfig } from '../config';
import type { TrainProgress } from '../types';
import type { StepResult } from './session';
import type { Prompt } from './types';

/** The automatic target, as it crosses the thread boundary. */
export type TargetMessage = { readonly kind: 'lesion' } | { readonly kind: 'lung'; readonly hu: Float32Array } | { readonly kind: 'none' };

export type PromptToWorker =
  | {
      readonly type: 'prompt-open';
      readonly id: number;
      readonly width: number;
      readonly height: number;
      readonly data: Float32Array;
      readonly config: Partial<S3NetConfig>;
      readonly target: TargetMessage;
      /** Make the automatic proposal (step 0) right after training. */
      readonly propose: boolean;
      /** control[0] is the generation: a step stops as soon as it differs from the one it started under. */
      readonly control: Int32Array;
      readonly warmStart?: Map<string, Float32Array>;
      readonly keepWeights?: boolean;
    }
  | { readonly type: 'prompt-apply'; readonly id: number; readonly prompt: Prompt; readonly generation: number }
  | { readonly type: 'prompt-undo'; readonly id: number }
  | { readonly type: 'prompt-cancel-open'; readonly id: number };

export type PromptFromWorker =
  | { readonly type: 'prompt-progress'; readonly id: number; readonly progress: TrainProgress }
  | { readonly type: 'prompt-opened'; readonly id: number; readonly step: StepResult | null; readonly clusters: number; readonly weights?: Map<string, Float32Array>; readonly labels: Uint8Array; readonly size: number }
  | { readonly type: 'prompt-step'; readonly id: number; readonly step: StepResult | null }
  | { readonly type: 'prompt-error'; readonly id: number; readonly name: string; readonly message: string };
