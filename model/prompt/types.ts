// Prompts in the image's native pixel coordinates, and the partial labels (seeds) they become.

export type PromptLabel = 'include' | 'exclude';

/** One user prompt; x is the pixel column, y the row, origin top-left, in the input's native pixels. */
export type Prompt =
  | { readonly kind: 'click'; readonly x: number; readonly y: number; readonly label: PromptLabel }
  | { readonly kind: 'stroke'; readonly points: readonly (readonly [number, number])[]; readonly width: number; readonly label: PromptLabel }
  | { readonly kind: 'box'; readonly x0: number; readonly y0: number; readonly x1: number; readonly y1: number };

/** Seed values: what the objective is told about a pixel. */
export const SEED_UNKNOWN = 0;
export const SEED_TARGET = 1;
export const SEED_BACKGROUND = 2;

/** Partial labels at native resolution: 0 unknown, 1 target, 2 background (row-major, width × height). */
export interface SeedMap {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/** A prompt that cannot be used (outside the image, empty, zero area): nothing is changed. */
export class PromptError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PromptError';
  }
}
