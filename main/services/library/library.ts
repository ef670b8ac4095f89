// The studies opened in this run of the app: real paths in, ids out; only indexed items can ever be read.
import { realpath } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import type { ItemData, StudyIndex, Thumbnail } from '../../contracts';
import { IpcError } from '../errors';
import type { ItemSource, StudyProvider } from './types';
import type { Priority } from './decode';

interface Opened {
  readonly index: StudyIndex;
  readonly sources: ReadonlyMap<string, ItemSource>;
}

const CACHE_ITEMS = 64;

export class StudyLibrary {
  readonly #provider: StudyProvider;
  readonly #opened = new Map<string, Opened>();
  readonly #cache = new Map<string, Promise<ItemData>>();
  readonly #prefetching = new Set<string>();

  constructor(provider: StudyProvider) {
    this.#provider = provider;
  }

  get provider(): StudyProvider {
    return this.#provider;
  }

  /** Paths are resolved with realpath first, so links cannot smuggle in files outside what the user chose. */
  async open(paths: string[]): Promise<StudyIndex> {
    const real: string[] = [];
    for (const p of paths) {
      try {
        real.push(await realpath(p));
      } catch {
        throw new IpcError('not-found', `${p} does not exist`);
      }
    }
    real.sort();
    const studyKey = createHash('sha1').update(real.join('\n')).digest('hex').slice(0, 20);
    const files = await this.#provider.index(real);
    const title = real.length === 1 ? basename(real[0] ?? '') : `${basename(real[0] ?? '')} and ${real.length - 1} more`;
    const index: StudyIndex = { studyKey, title, patients: files.patients, photos: files.photos, skipped: files.skipped };
    this.#opened.set(studyKey, { index, sources: files.sources });
    return index;
  }

  index(studyKey: string): StudyIndex {
    return this.#get(studyKey).index;
  }

  source(studyKey: string, itemId: string): ItemSource {
    const src = this.#get(studyKey).sources.get(itemId);
    if (!src) throw new IpcError('not-found', `no item ${itemId} in this study`);
    return src;
  }

  /** Items of the same series as itemId, in series order (a photo is its own series). */
  seriesOf(studyKey: string, itemId: string): string[] {
    const src = this.source(studyKey, itemId);
    if (src.kind === 'photo') return [itemId];
    const ids: Array<[number, string]> = [];
    for (const [id, s] of this.#get(studyKey).sources) if (s.kind === 'slice' && s.seriesUid === src.seriesUid) ids.push([s.sliceIndex, id]);
    return ids.sort((a, b) => a[0] - b[0]).map(([, id]) => id);
  }

  /** One item's pixels, decoded once; a prefetch waits behind whatever the user is looking at. */
  async item(studyKey: string, itemId: string, priority: Priority = 'high'): Promise<ItemData> {
    const key = `${studyKey}\n${itemId}`;
    let p = this.#cache.get(key);
    if (p && priority === 'high' && this.#prefetching.delete(key)) {
      // Still waiting as a prefetch: asking again at high priority moves that job forward (no second decode).
      void this.#provider.load(this.source(studyKey, itemId), itemId, 'high').catch(() => undefined);
    }
    if (!p) {
      p = this.#provider.load(this.source(studyKey, itemId), itemId, priority);
      if (priority === 'low') {
        this.#prefetching.add(key);
        const settled = (): void => void this.#prefetching.delete(key);
        p.then(settled, settled);
      }
      this.#cache.set(key, p);
      p.catch(() => this.#cache.delete(key));
      while (this.#cache.size > CACHE_ITEMS) this.#cache.delete(this.#cache.keys().next().value ?? '');
    }
    return p;
  }

  async thumbnail(studyKey: string, itemId: string, size: number): Promise<Thumbnail> {
    const data = await this.item(studyKey, itemId);
    const scale = Math.min(1, size / Math.max(data.width, data.height));
    const width = Math.max(1, Math.round(data.width * scale));
    const height = Math.max(1, Math.round(data.height * scale));
    const rgba = new Uint8Array(width * height * 4);
    const preset = data.kind === 'slice' ? (data.presets[0] ?? { center: 40, width: 400 }) : null;
    for (let y = 0; y < height; y++) {
      const sy = Math.min(data.height - 1, Math.floor(y / scale));
      for (let x = 0; x < width; x++) {
        const sx = Math.min(data.width - 1, Math.floor(x / scale));
        const d = (y * width + x) * 4;
        if (data.kind === 'slice' && preset) {
          const v = ((data.hu[sy * data.width + sx] ?? 0) - (preset.center - preset.width / 2)) / preset.width;
          rgba[d] = rgba[d + 1] = rgba[d + 2] = Math.max(0, Math.min(255, Math.round(v * 255)));
        } else if (data.kind === 'photo') {
          const s = (sy * data.width + sx) * 4;
          rgba[d] = data.rgba[s] ?? 0;
          rgba[d + 1] = data.rgba[s + 1] ?? 0;
          rgba[d + 2] = data.rgba[s + 2] ?? 0;
        }
        rgba[d + 3] = 255;
      }
    }
    return { width, height, rgba };
  }

  #get(studyKey: string): Opened {
    const o = this.#opened.get(studyKey);
    if (!o) throw new IpcError('not-found', 'this study is not open');
    return o;
  }
}
