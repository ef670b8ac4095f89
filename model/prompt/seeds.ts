// Seeds from a mask (a rule's proposal, the previous slice, the current mask): an eroded core inside, a band outside.
import { chamferDistance } from '../postprocess/morphology-extra';
import { SEED_BACKGROUND, SEED_TARGET, SEED_UNKNOWN, type SeedMap } from './types';

export interface MaskSeedOptions {
  /** The core is the mask eroded by this share of its equivalent radius (√(area/π)) … */
  readonly core: number;
  /** … the background starts this share of the equivalent radius outside the mask … */
  readonly gap: number;
  /** … and extends this share further out (Infinity: the whole outside). */
  readonly band: number;
  /** Neither margin is thinner than this many native pixels (one working-size cell, say). */
  readonly minPixels: number;
}

export const DEFAULT_MASK_SEEDS: MaskSeedOptions = Object.freeze({ core: 0.15, gap: 0.15, band: Infinity, minPixels: 2 });

/**
 * A confident core of the mask as target and the pixels well outside it as background; the ring between them is left
 * unknown for the network to decide. An empty mask gives no seeds.
 */
export function seedsFromMask(mask: Uint8Array, width: number, height: number, options: Partial<MaskSeedOptions> = {}): SeedMap {
  const o = { ...DEFAULT_MASK_SEEDS, ...options };
  const data = new Uint8Array(width * height);
  let area = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i]) area++;
  if (area === 0) return { width, height, data };
  const R = Math.sqrt(area / Math.PI);
  const coreR = Math.max(o.minPixels, o.core * R), gapR = Math.max(o.minPixels, o.gap * R);
  const bandR = gapR + Math.max(o.minPixels, o.band * R);
  // Chamfer units are a third of a pixel.
  const inside = chamferDistance(mask, width, height, 1, true, new Int32Array(width * height));
  const outside = chamferDistance(mask, width, height, 0, true, new Int32Array(width * height));
  for (let i = 0; i < data.length; i++) {
    if (mask[i]) data[i] = (inside[i] as number) > coreR * 3 ? SEED_TARGET : SEED_UNKNOWN;
    else {
      const d = (outside[i] as number) / 3;
      data[i] = d > gapR && d <= bandR ? SEED_BACKGROUND : SEED_UNKNOWN;
    }
  }
  // A mask thinner than its core margin still seeds its deepest pixels.
  if (!data.includes(SEED_TARGET)) {
    let best = -1, at = -1;
    for (let i = 0; i < inside.length; i++) {
      if (mask[i] && (inside[i] as number) > best) {
        best = inside[i] as number;
        at = i;
      }
    }
    if (at >= 0) data[at] = SEED_TARGET;
  }
  return { width, height, data };
}

/** How many target and background seeds a map holds. */
export function countSeeds(seeds: SeedMap): { target: number; background: number } {
  let target = 0, background = 0;
  for (const v of seeds.data) {
    if (v === SEED_TARGET) target++;
    else if (v === SEED_BACKGROUND) background++;
  }
  return { target, background };
}
