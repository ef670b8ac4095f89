// Undo/redo per item, as diffs (changed indices with before/after values), never whole mask copies.
import { diffBytes, type MaskDiff } from '../tools/writer';

const MAX_STEPS = 500;

export class UndoHistory {
  // Plain (not reactive): MaskState.version announces every change, including undo and redo.
  #undo: MaskDiff[] = [];
  #redo: MaskDiff[] = [];

  get canUndo(): boolean {
    return this.#undo.length > 0;
  }

  get canRedo(): boolean {
    return this.#redo.length > 0;
  }

  push(diff: MaskDiff): void {
    if (diff.indices.length === 0) return;
    this.#undo.push(diff);
    if (this.#undo.length > MAX_STEPS) this.#undo.shift();
    this.#redo = [];
  }

  /** Applies the inverse of the last edit to mask; returns the diff so the caller can repaint what changed. */
  undo(mask: Uint8Array): MaskDiff | null {
    const d = this.#undo.at(-1);
    if (!d) return null;
    for (let k = 0; k < d.indices.length; k++) mask[d.indices[k] ?? 0] = d.before[k] ?? 0;
    this.#undo.pop();
    this.#redo.push(d);
    return d;
  }

  redo(mask: Uint8Array): MaskDiff | null {
    const d = this.#redo.at(-1);
    if (!d) return null;
    for (let k = 0; k < d.indices.length; k++) mask[d.indices[k] ?? 0] = d.after[k] ?? 0;
    this.#redo.pop();
    this.#undo.push(d);
    return d;
  }

  /** Bytes held by all stored diffs (the benchmark's undo-memory figure). */
  get bytes(): number {
    return [...this.#undo, ...this.#redo].reduce((n, d) => n + diffBytes(d), 0);
  }
}

export function diffBounds(indices: Uint32Array, width: number): { x0: number; y0: number; x1: number; y1: number } {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const i of indices) {
    const x = i % width;
    const y = (i - x) / width;
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
  }
  return { x0, y0, x1, y1 };
}
