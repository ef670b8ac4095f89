// Autosave: a mask is written shortly after its last change (well inside the 2 s promise), and on demand before export.
import type { MaskBuffer } from './mask.svelte';
import { api } from '../api';

const DELAY_MS = 300;

export class Autosaver {
  #timers = new Map<string, ReturnType<typeof setTimeout>>();
  #pending = new Map<string, MaskBuffer>();
  #inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly studyKey: () => string | null,
    private readonly onError: (m: string) => void,
  ) {}

  schedule(buffer: MaskBuffer): void {
    this.#pending.set(buffer.itemId, buffer);
    clearTimeout(this.#timers.get(buffer.itemId));
    this.#timers.set(buffer.itemId, setTimeout(() => void this.#save(buffer.itemId), DELAY_MS));
  }

  async flush(): Promise<void> {
    for (const id of [...this.#pending.keys()]) {
      clearTimeout(this.#timers.get(id));
      void this.#save(id);
    }
    await Promise.all([...this.#inFlight]);
  }

  get pending(): number {
    return this.#pending.size + this.#inFlight.size;
  }

  async #save(itemId: string): Promise<void> {
    const b = this.#pending.get(itemId);
    const key = this.studyKey();
    this.#pending.delete(itemId);
    this.#timers.delete(itemId);
    if (!b || !key) return;
    // A copy: the live buffer keeps changing under the brush while this one is in flight.
    const p = api.session.saveMask(key, itemId, b.width, b.height, b.data.slice());
    this.#inFlight.add(p);
    const r = await p.finally(() => this.#inFlight.delete(p));
    if (!r.ok) this.onError(`autosave failed: ${r.error.message}`);
  }
}
