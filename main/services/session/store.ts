// The app's session store: per-study review statuses, proposal confidences, masks, label maps and view, written atomically as they change.
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../fs/atomic';
import { decodeGrid, encodeGrid, fileKey } from './files';
import { preferences, sessionState, type Preferences, type ReviewStatus, type SessionState, type ViewState } from '../../contracts/session';
import { recentEntry, type RecentEntry } from '../../contracts/study';
import { z } from 'zod';

const RECENT_MAX = 10;

/** Accepting an item without a mask needs the user's confirmation ("accept empty"). */
export class EmptyAcceptError extends Error {
  constructor(reason: string) {
    super(`Not accepted: ${reason}. Confirm "Accept empty" to accept it with no mask.`);
    this.name = 'EmptyAcceptError';
  }
}
const emptyView: ViewState = { itemId: null, seriesUid: null, windowCenter: null, windowWidth: null };

/**
 * Every change is written at once (temp file, fsync, rename); writes to the same file are chained so the last one wins
 * and a reader never sees a partial file. A kill loses at most the writes still in flight (milliseconds).
 */
export class SessionStore {
  readonly #dataDir: string;
  readonly #states = new Map<string, SessionState>();
  readonly #chains = new Map<string, Promise<void>>();

  constructor(dataDir: string) {
    this.#dataDir = dataDir;
  }

  get dataDir(): string {
    return this.#dataDir;
  }

  #studyDir(studyKey: string): string {
    return join(this.#dataDir, 'studies', fileKey(studyKey));
  }

  async load(studyKey: string): Promise<SessionState> {
    const cached = this.#states.get(studyKey);
    if (cached) return cached;
    let state: SessionState = { studyKey, statuses: {}, confidences: {}, masks: [], edited: [], decisions: {}, view: emptyView, segments: [], updatedAt: new Date().toISOString() };
    try {
      const parsed = sessionState.safeParse(JSON.parse(await readFile(join(this.#studyDir(studyKey), 'session.json'), 'utf8')));
      if (parsed.success && parsed.data.studyKey === studyKey) state = parsed.data;
    } catch {
      /* first open of this study */
    }
    this.#states.set(studyKey, state);
    return state;
  }

  /**
   * A review decision. Accepting keeps a corrected item corrected (accepted after edits: SEG says SEMIAUTOMATIC and
   * the counts agree); accepting an item with no mask, or an empty one, needs acceptEmpty. Returns the status saved.
   */
  setStatus(studyKey: string, itemId: string, status: ReviewStatus, options: { acceptEmpty?: boolean } = {}): Promise<ReviewStatus> {
    // One decision at a time per study: each reads the status the previous one left (accepted-after-corrected).
    const prev = this.#decisionChains.get(studyKey) ?? Promise.resolve();
    const next = prev.catch(() => undefined).then(() => this.#setStatus(studyKey, itemId, status, options));
    this.#decisionChains.set(studyKey, next.then(() => undefined, () => undefined));
    return next;
  }

  readonly #decisionChains = new Map<string, Promise<void>>();

  async #setStatus(studyKey: string, itemId: string, status: ReviewStatus, options: { acceptEmpty?: boolean }): Promise<ReviewStatus> {
    const s0 = await this.load(studyKey);
    const before = s0.statuses[itemId] ?? 'not-run';
    if (status === 'accepted' && !options.acceptEmpty) {
      const saved = s0.masks.includes(itemId) ? await this.readMask(studyKey, itemId) : null;
      if (!saved || !saved.mask.some((v) => v !== 0)) {
        throw new EmptyAcceptError(before === 'not-run' && !saved ? 'S3-Net has not run on this item and nothing is drawn on it' : 'its mask is empty');
      }
    }
    const { reviewerName } = await this.preferences();
    const s = await this.load(studyKey); // after the awaits above: the latest state
    // A person edited this mask since S3-Net proposed it (corrected, perhaps rejected since): accepting keeps that said.
    const saved: ReviewStatus = status === 'accepted' && (s.statuses[itemId] === 'corrected' || s.edited.includes(itemId)) ? 'corrected' : status;
    const edited = saved === 'corrected' && !s.edited.includes(itemId) ? [...s.edited, itemId] : s.edited;
    const decisions = saved === 'not-run' || saved === 'proposed' ? s.decisions : { ...s.decisions, [itemId]: { status: saved, reviewer: reviewerName, at: new Date().toISOString() } };
    await this.#saveState({ ...s, statuses: { ...s.statuses, [itemId]: saved }, edited, decisions });
    return saved;
  }

  #prefs: Preferences | null = null;
  /** The app's preferences (the reviewer's name); defaults when none were saved or the file is damaged. */
  async preferences(): Promise<Preferences> {
    if (this.#prefs) return this.#prefs;
    let p: Preferences = { reviewerName: '' };
    try {
      const parsed = preferences.safeParse(JSON.parse(await readFile(join(this.#dataDir, 'preferences.json'), 'utf8')));
      if (parsed.success) p = parsed.data;
    } catch {
      /* never set */
    }
    return (this.#prefs = p);
  }

  async setPreferences(next: Preferences): Promise<Preferences> {
    this.#prefs = next;
    await this.#write(join(this.#dataDir, 'preferences.json'), JSON.stringify(next));
    return next;
  }

  /** A new S3-Net proposal for an item: status and confidence in one write, so neither is saved without the other. */
  async setProposed(studyKey: string, itemId: string, confidence: number): Promise<void> {
    const s = await this.load(studyKey);
    await this.#saveState({ ...s, statuses: { ...s.statuses, [itemId]: 'proposed' }, confidences: { ...s.confidences, [itemId]: confidence } });
  }

  async setView(studyKey: string, view: ViewState): Promise<void> {
    const s = await this.load(studyKey);
    await this.#saveState({ ...s, view });
  }

  async setSegments(studyKey: string, segments: SessionState['segments']): Promise<void> {
    const s = await this.load(studyKey);
    await this.#saveState({ ...s, segments });
  }

  async saveMask(studyKey: string, itemId: string, width: number, height: number, mask: Uint8Array): Promise<void> {
    const path = join(this.#studyDir(studyKey), 'masks', `${fileKey(itemId)}.mask`);
    await this.#write(path, encodeGrid(width, height, mask));
    const s = await this.load(studyKey);
    if (!s.masks.includes(itemId)) await this.#saveState({ ...s, masks: [...s.masks, itemId] });
  }

  async readMask(studyKey: string, itemId: string): Promise<{ width: number; height: number; mask: Uint8Array } | null> {
    await this.#chains.get(join(this.#studyDir(studyKey), 'masks', `${fileKey(itemId)}.mask`));
    const grid = await this.#readGrid(join(this.#studyDir(studyKey), 'masks', `${fileKey(itemId)}.mask`));
    return grid && { width: grid.width, height: grid.height, mask: grid.data };
  }

  /** S3-Net's label map for an item, kept so that click-to-pick works after a restart. */
  async saveLabels(studyKey: string, itemId: string, size: number, labels: Uint8Array): Promise<void> {
    await this.#write(join(this.#studyDir(studyKey), 'labels', `${fileKey(itemId)}.labels`), encodeGrid(size, size, labels));
  }

  async readLabels(studyKey: string, itemId: string): Promise<{ size: number; labels: Uint8Array } | null> {
    const grid = await this.#readGrid(join(this.#studyDir(studyKey), 'labels', `${fileKey(itemId)}.labels`));
    return grid && { size: grid.width, labels: grid.data };
  }

  async recent(): Promise<RecentEntry[]> {
    try {
      const parsed = z.array(recentEntry).safeParse(JSON.parse(await readFile(join(this.#dataDir, 'recent.json'), 'utf8')));
      return parsed.success ? parsed.data : [];
    } catch {
      return [];
    }
  }

  async addRecent(title: string, paths: string[]): Promise<RecentEntry[]> {
    const key = JSON.stringify(paths);
    const list = (await this.recent()).filter((r) => JSON.stringify(r.paths) !== key);
    const next = [{ title, paths, openedAt: new Date().toISOString() }, ...list].slice(0, RECENT_MAX);
    await this.#write(join(this.#dataDir, 'recent.json'), JSON.stringify(next, null, 1));
    return next;
  }

  /** Resolves when every write issued so far is on disk. */
  async flush(): Promise<void> {
    await Promise.all([...this.#chains.values()]);
  }

  async listStudies(): Promise<string[]> {
    return readdir(join(this.#dataDir, 'studies')).catch(() => []);
  }

  async #saveState(next: SessionState): Promise<void> {
    const state = { ...next, updatedAt: new Date().toISOString() };
    this.#states.set(state.studyKey, state);
    await this.#write(join(this.#studyDir(state.studyKey), 'session.json'), JSON.stringify(state));
  }

  async #readGrid(path: string): Promise<{ width: number; height: number; data: Uint8Array } | null> {
    await this.#chains.get(path);
    try {
      return decodeGrid(new Uint8Array(await readFile(path)));
    } catch {
      return null;
    }
  }

  #write(path: string, data: Uint8Array | string): Promise<void> {
    const prev = this.#chains.get(path) ?? Promise.resolve();
    const next = prev.catch(() => undefined).then(() => writeFileAtomic(path, data, { overwrite: true }));
    this.#chains.set(path, next);
    const done = (): void => {
      if (this.#chains.get(path) === next) this.#chains.delete(path);
    };
    next.then(done, done);
    return next;
  }
}
