// A mask buffer plus the record of what an edit changed: every tool writes through it so undo stores only diffs.

export interface MaskWriter {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
  set(index: number, value: number): void;
}

/** The changes of one edit (a stroke, a fill): indices with the values before and after. */
export interface MaskDiff {
  readonly indices: Uint32Array;
  readonly before: Uint8Array;
  readonly after: Uint8Array;
}

export class EditRecorder implements MaskWriter {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
  #touched: Uint8Array;
  #indices: number[] = [];
  #before: number[] = [];
  /** Bounding box of the pixels changed since the last takeDirty(): what the overlay must repaint. */
  dirty = { x0: Infinity, y0: Infinity, x1: -Infinity, y1: -Infinity };

  constructor(width: number, height: number, data: Uint8Array) {
    this.width = width;
    this.height = height;
    this.data = data;
    this.#touched = new Uint8Array(width * height);
  }

  set(index: number, value: number): void {
    const old = this.data[index];
    if (old === undefined || old === value) return;
    if (!this.#touched[index]) {
      this.#touched[index] = 1;
      this.#indices.push(index);
      this.#before.push(old);
    }
    this.data[index] = value;
    const x = index % this.width;
    const y = (index - x) / this.width;
    const d = this.dirty;
    if (x < d.x0) d.x0 = x;
    if (x > d.x1) d.x1 = x;
    if (y < d.y0) d.y0 = y;
    if (y > d.y1) d.y1 = y;
  }

  takeDirty(): { x0: number; y0: number; x1: number; y1: number } | null {
    const d = this.dirty;
    this.dirty = { x0: Infinity, y0: Infinity, x1: -Infinity, y1: -Infinity };
    return d.x1 < d.x0 ? null : d;
  }

  get changed(): number {
    return this.#indices.length;
  }

  /** The diff of the whole edit; pixels changed and changed back are dropped. */
  finish(): MaskDiff {
    const keep: number[] = [];
    for (let k = 0; k < this.#indices.length; k++) if (this.data[this.#indices[k] ?? 0] !== this.#before[k]) keep.push(k);
    const indices = new Uint32Array(keep.length);
    const before = new Uint8Array(keep.length);
    const after = new Uint8Array(keep.length);
    keep.forEach((k, j) => {
      const i = this.#indices[k] ?? 0;
      indices[j] = i;
      before[j] = this.#before[k] ?? 0;
      after[j] = this.data[i] ?? 0;
    });
    return { indices, before, after };
  }
}

export function diffBytes(d: MaskDiff): number {
  return d.indices.byteLength + d.before.byteLength + d.after.byteLength;
}
