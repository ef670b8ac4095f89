// The app's session store: per-study review statuses, proposal confidences, masks, label maps and view, written atomically as they change.
import { readFile, readdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { sweepTempFiles, writeFileAtomic } from '../fs/atomic';
import { decodeGrid, encodeGrid, fileKey } from './files';
import { preferences, reviewStatus, sessionState, viewState, type Preferences, type ReviewStatus, type SessionState, type ViewState } from '../../contracts/session';
import { segmentStyle } from '../../contracts/export';
import { confidence } from '../../contracts/segment';
import { recentEntry, type RecentEntry } from '../../contracts/study';

const decision = z.object({ status: reviewStatus, reviewer: z.string().max(64), at: z.string() });
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

/** Something the store repaired, for the UI to show. */
export interface StoreNotice {
  readonly studyKey: string;
  readonly kind: 'quarantined' | 'recovered' | 'entries-dropped';
  readonly message: string;
}

type Parsed = { state: SessionState; dropped: string[]; error?: undefined } | { state?: undefined; dropped: string[]; error: string };

/** A session file read entry by entry: what is whole is kept, each damaged entry is named and dropped alone. */
export function parseSessionEntries(text: string, studyKey: string): Parsed {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return { dropped: [], error: `not valid JSON (${(err as Error).message})` };
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return { dropped: [], error: 'not a session object' };
  const o = raw as Record<string, unknown>;
  if (o.studyKey !== studyKey) return { dropped: [], error: `belongs to another study (${String(o.studyKey).slice(0, 40)})` };
  const dropped: string[] = [];
  const record = <T>(name: string, value: unknown, schema: z.ZodType<T>): Record<string, T> => {
    const out: Record<string, T> = {};
    if (value === undefined) return out;
    if (!value || typeof value !== 'object' || Array.isArray(value)) {
      dropped.push(`${name} is not a record`);
      return out;
    }
    for (const [k, v] of Object.entries(value)) {
      const r = schema.safeParse(v);
      if (r.success) out[k] = r.data;
      else dropped.push(`${name}[${JSON.stringify(k).slice(0, 60)}]`);
    }
    return out;
  };
  const list = <T>(name: string, value: unknown, schema: z.ZodType<T>): T[] => {
    if (value === undefined) return [];
    if (!Array.isArray(value)) {
      dropped.push(`${name} is not a list`);
      return [];
    }
    return value.flatMap((v, i) => {
      const r = schema.safeParse(v);
      if (r.success) return [r.data];
      dropped.push(`${name}[${i}]`);
      return [];
    });
  };
  const view = viewState.safeParse(o.view);
  if (!view.success && o.view !== undefined) dropped.push('view');
  const state: SessionState = {
    studyKey,
    statuses: record('statuses', o.statuses, reviewStatus),
    confidences: record('confidences', o.confidences, confidence),
    masks: list('masks', o.masks, z.string()),
    edited: list('edited', o.edited, z.string()),
    decisions: record('decisions', o.decisions, decision),
    view: view.success ? view.data : emptyView,
    segments: list('segments', o.segments, segmentStyle),
    updatedAt: typeof o.updatedAt === 'string' ? o.updatedAt : new Date(0).toISOString(),
  };
  // The whole object must still be a session (catches schema drift this reader does not know about).
  const check = sessionState.safeParse(state);
  return check.success ? { state: check.data, dropped } : { dropped, error: check.error.issues.map((i) => i.path.join('.')).join(', ') };
}

/**
 * Every change is written at once (temp file, fsync, rename); writes to the same file are chained so the last one wins
 * and a reader never sees a partial file. A kill loses at most the writes still in flight (milliseconds).
 */
export class SessionStore {
  readonly #dataDir: string;
  readonly #states = new Map<string, SessionState>();
  readonly #chains = new Map<string, Promise<void>>();
  readonly #loading = new Map<string, Promise<SessionState>>();
  readonly #notices: StoreNotice[] = [];
  readonly #onNotice: ((n: StoreNotice) => void) | undefined;

  constructor(dataDir: string, options: { onNotice?: (n: StoreNotice) => void } = {}) {
    this.#dataDir = dataDir;
    this.#onNotice = options.onNotice;
  }

  /** Removes temp files that interrupted writes left behind (call once at start, before the first write). */
  async sweep(): Promise<number> {
    return sweepTempFiles(this.#dataDir);
  }

  get dataDir(): string {
    return this.#dataDir;
  }

  #studyDir(studyKey: string): string {
    return join(this.#dataDir, 'studies', fileKey(studyKey));
  }

  load(studyKey: string): Promise<SessionState> {
    const cached = this.#states.get(studyKey);
    if (cached) return Promise.resolve(cached);
    // One read per study, however many callers ask at once (their updates then apply to the same state).
    let loading = this.#loading.get(studyKey);
    if (!loading) {
      loading = this.#readState(studyKey).then((state) => {
        this.#loading.delete(studyKey);
        if (!this.#states.has(studyKey)) this.#states.set(studyKey, state);
        return this.#states.get(studyKey) as SessionState;
      });
      this.#loading.set(studyKey, loading);
    }
    return loading;
  }

  /**
   * session.json, else its last good copy (.bak). A file that does not parse, or whose shape is not a session at all,
   * is renamed aside (quarantined) rather than overwritten by the next edit, and the UI is told. Entries are read one
   * by one: a bad status, mask or segment entry is dropped alone.
   */
  async #readState(studyKey: string): Promise<SessionState> {
    const empty: SessionState = { studyKey, statuses: {}, confidences: {}, masks: [], edited: [], decisions: {}, view: emptyView, segments: [], updatedAt: new Date().toISOString() };
    const path = join(this.#studyDir(studyKey), 'session.json');
    for (const file of [path, `${path}.bak`]) {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch {
        continue; // not there (first open of this study, or no copy yet)
      }
      const read = parseSessionEntries(text, studyKey);
      if (read.state) {
        if (read.dropped.length) this.#notify({ studyKey, kind: 'entries-dropped', message: `${file}: ${read.dropped.length} damaged entr${read.dropped.length === 1 ? 'y' : 'ies'} dropped (${read.dropped.slice(0, 5).join('; ')})` });
        if (file !== path) this.#notify({ studyKey, kind: 'recovered', message: `session recovered from its last good copy ${file}` });
        return read.state;
      }
      const aside = `${file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      await rename(file, aside).catch(() => undefined);
      this.#notify({ studyKey, kind: 'quarantined', message: `${file}: ${read.error}; kept aside as ${aside}` });
    }
    return empty;
  }

  #notify(notice: StoreNotice): void {
    this.#notices.push(notice);
    this.#onNotice?.(notice);
  }

  /** What the store had to repair since the last call (quarantined files, dropped entries, recoveries from .bak). */
  takeNotices(): StoreNotice[] {
    return this.#notices.splice(0);
  }

  /** Applies change to the current state synchronously after loading, so updates issued in one tick all survive. */
  async #update(studyKey: string, change: (s: SessionState) => SessionState | null): Promise<void> {
    await this.load(studyKey);
    const next = change(this.#states.get(studyKey) as SessionState);
    if (next) await this.#saveState(next);
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
    let saved: ReviewStatus = status;
    await this.#update(studyKey, (s) => {
      // A person edited this mask since S3-Net proposed it (corrected, perhaps rejected since): accepting keeps that said.
      saved = status === 'accepted' && (s.statuses[itemId] === 'corrected' || s.edited.includes(itemId)) ? 'corrected' : status;
      const edited = saved === 'corrected' && !s.edited.includes(itemId) ? [...s.edited, itemId] : s.edited;
      const decisions = saved === 'not-run' || saved === 'proposed' ? s.decisions : { ...s.decisions, [itemId]: { status: saved, reviewer: reviewerName, at: new Date().toISOString() } };
      return { ...s, statuses: { ...s.statuses, [itemId]: saved }, edited, decisions };
    });
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
    await this.#update(studyKey, (s) => ({ ...s, statuses: { ...s.statuses, [itemId]: 'proposed' }, confidences: { ...s.confidences, [itemId]: confidence } }));
  }

  async setView(studyKey: string, view: ViewState): Promise<void> {
    await this.#update(studyKey, (s) => ({ ...s, view }));
  }

  async setSegments(studyKey: string, segments: SessionState['segments']): Promise<void> {
    await this.#update(studyKey, (s) => ({ ...s, segments }));
  }

  async saveMask(studyKey: string, itemId: string, width: number, height: number, mask: Uint8Array): Promise<void> {
    const path = join(this.#studyDir(studyKey), 'masks', `${fileKey(itemId)}.mask`);
    await this.#write(path, encodeGrid(width, height, mask));
    await this.#update(studyKey, (s) => (s.masks.includes(itemId) ? null : { ...s, masks: [...s.masks, itemId] }));
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
    const path = join(this.#studyDir(state.studyKey), 'session.json');
    const json = JSON.stringify(state);
    await this.#write(path, json);
    // The last good copy: written only after the main file is on disk, so one of the two is always whole.
    await this.#write(`${path}.bak`, json);
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
