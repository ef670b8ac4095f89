// Edits on the current mask: strokes, one-shot tools, pick, undo/redo; each edit is one diff, autosaved, and marks review.
import { api } from '../api';
import { EditRecorder, type MaskWriter } from '../tools/writer';
import { paintSegment, paintDisc } from '../tools/brush';
import { replaceMask } from '../tools/fill';
import { diffBounds } from './history';
import type { AppState } from './app.svelte';

export class Editor {
  #stroke: EditRecorder | null = null;
  #last: [number, number] | null = null;

  constructor(private readonly app: AppState) {}

  /** Starts a brush (value = active segment) or eraser (value 0) stroke at image point (x, y). */
  beginStroke(x: number, y: number, erase: boolean): void {
    const buf = this.app.mask.current;
    if (!buf) return;
    this.#stroke = new EditRecorder(buf.width, buf.height, buf.data);
    this.#last = [x, y];
    paintDisc(this.#stroke, x, y, this.app.tools.brushSize / 2, erase ? 0 : this.app.mask.active);
    this.#repaint();
  }

  strokeTo(x: number, y: number, erase: boolean): void {
    if (!this.#stroke || !this.#last) return;
    paintSegment(this.#stroke, this.#last[0], this.#last[1], x, y, this.app.tools.brushSize / 2, erase ? 0 : this.app.mask.active);
    this.#last = [x, y];
    this.#repaint();
  }

  endStroke(): void {
    const rec = this.#stroke;
    this.#stroke = null;
    if (rec) this.#commit(rec);
  }

  get stroking(): boolean {
    return this.#stroke !== null;
  }

  /** Runs a tool once over the current mask as a single undoable edit. */
  apply(tool: (m: MaskWriter) => void): void {
    const buf = this.app.mask.current;
    if (!buf) return;
    const rec = new EditRecorder(buf.width, buf.height, buf.data);
    tool(rec);
    this.#repaint(rec);
    this.#commit(rec);
  }

  async pick(x: number, y: number): Promise<void> {
    const key = this.app.study.index?.studyKey;
    const id = this.app.study.currentId;
    if (!key || !id) return;
    const r = await api.segment.pick({ studyKey: key, itemId: id, x: Math.floor(x), y: Math.floor(y), what: this.app.tools.pickWhat });
    if (!r.ok) return this.app.error(r.error.message);
    const picked = r.value.mask;
    this.apply((m) => replaceMask(m, picked, this.app.mask.active));
    this.app.info(`Picked the ${this.app.tools.pickWhat} under the cursor`);
  }

  undo(): void {
    this.#history((h, data) => h.undo(data));
  }

  redo(): void {
    this.#history((h, data) => h.redo(data));
  }

  #history(step: (h: ReturnType<AppState['mask']['historyOf']>, data: Uint8Array) => { indices: Uint32Array } | null): void {
    const buf = this.app.mask.current;
    if (!buf) return;
    const d = step(this.app.mask.historyOf(buf.itemId), buf.data);
    if (!d) return;
    if (d.indices.length) this.app.mask.changed(diffBounds(d.indices, buf.width));
    this.#edited(buf.itemId);
  }

  #repaint(rec: EditRecorder | null = this.#stroke): void {
    const rect = rec?.takeDirty();
    if (rect) this.app.mask.changed(rect);
  }

  #commit(rec: EditRecorder): void {
    const buf = this.app.mask.current;
    if (!buf) return;
    const diff = rec.finish();
    if (diff.indices.length === 0) return;
    this.app.mask.historyOf(buf.itemId).push(diff);
    this.app.mask.changed({ x0: 0, y0: 0, x1: -1, y1: -1 });
    this.#edited(buf.itemId);
  }

  /** Any change to a mask is autosaved and makes the item 'corrected' (a person changed what was there). */
  #edited(itemId: string): void {
    const buf = this.app.mask.get(itemId);
    if (buf) this.app.autosave.schedule(buf);
    if (this.app.review.statusOf(itemId) !== 'corrected') void this.app.setStatus(itemId, 'corrected');
  }
}
