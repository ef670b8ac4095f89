// The open study: its index, the item on screen and its pixels, and navigation within a series.
import type { ItemData, ItemRef, SeriesSummary, StudyIndex } from '../../main/contracts';
import { api } from '../api';
import { viewerOrder } from '../viewport/geometry';

export interface Entry {
  readonly ref: ItemRef;
  /** Series uid for slices; the item id for a photo (a photo is its own series). */
  readonly group: string;
}

function entriesOf(index: StudyIndex | null): Entry[] {
  if (!index) return [];
  const out: Entry[] = [];
  // Slice 1 is the most superior slice (the radiology convention), whatever order the indexer listed them in.
  for (const p of index.patients) for (const s of p.studies) for (const se of s.series) for (const ref of viewerOrder(se.items, se.orientation)) out.push({ ref, group: se.seriesUid });
  for (const ref of index.photos) out.push({ ref, group: ref.itemId });
  return out;
}

export class StudyState {
  index: StudyIndex | null = $state.raw(null);
  currentId: string | null = $state(null);
  /** Pixels of the item on screen; typed arrays, so never deep-reactive. */
  current: ItemData | null = $state.raw(null);
  loading = $state(false);

  entries = $derived(entriesOf(this.index));
  order = $derived(this.entries.map((e) => e.ref.itemId));
  series = $derived.by((): SeriesSummary[] => this.index?.patients.flatMap((p) => p.studies.flatMap((s) => s.series)) ?? []);
  currentEntry = $derived(this.entries.find((e) => e.ref.itemId === this.currentId) ?? null);
  /** Item ids of the current series, in order. */
  group = $derived(this.currentEntry ? this.entries.filter((e) => e.group === this.currentEntry?.group).map((e) => e.ref.itemId) : []);
  positionInGroup = $derived(this.currentId ? this.group.indexOf(this.currentId) : -1);

  // A plain cache of in-flight loads; nothing renders from it.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  #cache = new Map<string, Promise<ItemData | null>>();
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  #prefetched = new Set<string>();

  setIndex(index: StudyIndex): void {
    this.#cache.clear();
    this.index = index;
    this.currentId = null;
    this.current = null;
  }

  /** Loads (and caches) an item's pixels. */
  load(itemId: string, onError: (m: string) => void, prefetch = false): Promise<ItemData | null> {
    const key = this.index?.studyKey;
    if (!key) return Promise.resolve(null);
    let p = this.#cache.get(itemId);
    // Wanted now but only prefetched so far: tell main, which moves it ahead of the remaining prefetches.
    if (p && !prefetch && this.#prefetched.delete(itemId)) void api.study.item(key, itemId);
    if (!p) {
      if (prefetch) this.#prefetched.add(itemId);
      p = api.study.item(key, itemId, prefetch).then((r) => {
        this.#prefetched.delete(itemId);
        if (r.ok) return r.value;
        this.#cache.delete(itemId);
        onError(r.error.message);
        return null;
      });
      this.#cache.set(itemId, p);
    }
    return p;
  }

  /** Warms the cache with the whole current series so scrolling never waits on IPC. */
  prefetchGroup(onError: (m: string) => void): void {
    // Outward from the current slice, so the neighbours a reader scrolls to first arrive first.
    const at = Math.max(0, this.positionInGroup);
    const order = [...this.group].map((id, i) => [Math.abs(i - at), id] as const).sort((a, b) => a[0] - b[0]);
    for (const [, id] of order) void this.load(id, onError, true);
  }

  neighbour(delta: number): string | null {
    if (this.positionInGroup < 0) return null;
    const i = Math.max(0, Math.min(this.group.length - 1, this.positionInGroup + delta));
    return this.group[i] ?? null;
  }
}
