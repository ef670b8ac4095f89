// Masks per item (one Uint8Array label buffer each, 0 = background), the segments' look, and undo history per item.
import type { DisplayMode, Rect } from '../viewport/overlay';
import { UndoHistory } from './history';

export interface Segment {
  readonly value: number;
  label: string;
  color: string;
  /** What it is, from the built-in terminology (SEG writes its SNOMED CT codes); none: unspecified tissue. */
  term?: string;
}

/** A study's first segment, named after what S3-Net proposes there: the lungs on CT, the lesion on photographs. */
export function defaultSegments(kind: 'ct' | 'photo'): Segment[] {
  return kind === 'ct' ? [{ value: 1, label: 'Lungs', color: '#ff4d4f', term: 'lung' }] : [{ value: 1, label: 'Lesion', color: '#ff4d4f', term: 'lesion' }];
}

export interface MaskBuffer {
  readonly itemId: string;
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

const PALETTE = ['#ff4d4f', '#40a9ff', '#52c41a', '#faad14', '#b37feb'];

export class MaskState {
  segments: Segment[] = $state(defaultSegments('ct'));
  active = $state(1);
  opacity = $state(0.45);
  display: DisplayMode = $state('filled');
  /** The mask of the item on screen. Tools mutate data in place; `version` tells the UI that it changed. */
  current: MaskBuffer | null = $state.raw(null);
  version = $state(0);
  /** Called with the changed rectangle (null: everything) so the viewport can repaint only that. */
  onChange: (rect: Rect | null) => void = () => undefined;

  // Plain maps on purpose: buffers are typed arrays changed in place; `version` and onChange announce changes.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  #buffers = new Map<string, MaskBuffer>();
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  #histories = new Map<string, UndoHistory>();

  // A fresh map per change of segments: derived, never mutated.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  colours = $derived(new Map(this.segments.map((s) => [s.value, s.color])));

  has(itemId: string): boolean {
    return this.#buffers.has(itemId);
  }

  get(itemId: string): MaskBuffer | undefined {
    return this.#buffers.get(itemId);
  }

  /** The buffer for an item, created empty if none exists yet. */
  ensure(itemId: string, width: number, height: number): MaskBuffer {
    let b = this.#buffers.get(itemId);
    if (!b || b.width !== width || b.height !== height) {
      b = { itemId, width, height, data: new Uint8Array(width * height) };
      this.#buffers.set(itemId, b);
    }
    return b;
  }

  /** Stores a buffer that came from disk or from S3-Net without an undo step (a fresh start). */
  put(itemId: string, width: number, height: number, data: Uint8Array): void {
    this.#buffers.set(itemId, { itemId, width, height, data });
    if (this.current?.itemId === itemId) this.show(itemId);
  }

  show(itemId: string | null): void {
    this.current = itemId ? (this.#buffers.get(itemId) ?? null) : null;
    this.changed(null);
  }

  historyOf(itemId: string): UndoHistory {
    let h = this.#histories.get(itemId);
    if (!h) this.#histories.set(itemId, (h = new UndoHistory()));
    return h;
  }

  changed(rect: Rect | null): void {
    this.version++;
    this.onChange(rect);
  }

  addSegment(): void {
    const value = Math.max(0, ...this.segments.map((s) => s.value)) + 1;
    if (value > 255) return;
    this.segments.push({ value, label: `Segment ${value}`, color: PALETTE[(value - 1) % PALETTE.length] ?? '#ffffff' });
    this.active = value;
  }

  reset(): void {
    this.#buffers.clear();
    this.#histories.clear();
    this.current = null;
  }
}
