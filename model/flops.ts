// Multiply-adds of one S3-Net forward pass, by stage, from the configuration (METHOD.md: ≈6.6 G at 256×256×64).
import type { S3NetConfig } from './config';

export interface StageCost {
  readonly stem: number;
  readonly attention: number;
  readonly aux: number;
  readonly deformable: number;
  readonly head: number;
}

/** Forward multiply-adds per stage. A training iteration costs ≈3× (forward, input and weight gradients), 2 FLOP each. */
export function forwardMacs(config: Pick<S3NetConfig, 'size' | 'channels'>): StageCost {
  const P = config.size * config.size;
  const C = config.channels;
  const dense = (cin: number, cout: number) => P * cin * cout;
  const depthwise = (k: number) => P * C * k * k;
  const block = dense(C, C) + depthwise(5) + depthwise(3) + depthwise(5) + depthwise(7) + dense(3 * C, C) + dense(C, C);
  return { stem: P * 27 * C, attention: 2 * block, aux: dense(C, C), deformable: dense(9 * C, C), head: dense(C, C) };
}

export function totalMacs(cost: StageCost): number {
  return cost.stem + cost.attention + cost.aux + cost.deformable + cost.head;
}

/** FLOPs of one training iteration: forward plus backward (≈2× forward), two FLOPs per multiply-add. */
export function iterationFlops(config: Pick<S3NetConfig, 'size' | 'channels'>): number {
  return 3 * 2 * totalMacs(forwardMacs(config));
}
