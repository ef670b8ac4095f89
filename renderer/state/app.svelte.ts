// The app's state root: opens studies, restores sessions, moves between items, runs S3-Net and records reviews.
import { getContext, setContext } from 'svelte';
import type { ReviewStatus, RunConfig, StudyIndex, TerminologyEntry } from '../../main/contracts';
import { api } from '../api';
import { StudyState } from './study.svelte';
import { MaskState, defaultSegments } from './mask.svelte';
import { ReviewState } from './review.svelte';
import { JobsState } from './jobs.svelte';
import { ToolState } from './tools.svelte';
import { Autosaver } from './autosave';
import { Editor } from './editor';
import type { Voi } from '../viewport/engine';
import { ViewerState } from './viewer.svelte';
import { initialWindow } from '../viewport/window';

export interface CursorInfo {
  readonly x: number;
  readonly y: number;
  readonly value: string;
}

export class AppState {
  readonly study = new StudyState();
  readonly mask = new MaskState();
  readonly review = new ReviewState();
  readonly jobs = new JobsState();
  readonly tools = new ToolState();
  readonly editor: Editor = new Editor(this);
  readonly viewer: ViewerState = new ViewerState(this);
  readonly autosave = new Autosaver(() => this.study.index?.studyKey ?? null, (m) => this.error(m));

  message = $state('');
  messageIsError = $state(false);
  helpOpen = $state(false);
  exportOpen = $state(false);
  voi: Voi | null = $state.raw(null);
  cursor: CursorInfo | null = $state.raw(null);
  /** Display scale of the viewport (1 = one image pixel per screen pixel). */
  zoom = $state(1);
  /** Milliseconds from choosing an item to its first frame on screen (the benchmark reads it). */
  lastShowMs = $state(0);

  constructor() {
    api.segment.onProgress((p) => {
      if (p.studyKey === this.study.index?.studyKey) this.jobs.update(p);
      if (p.state === 'failed') this.error(`S3-Net failed: ${p.message ?? ''}`);
    });
    api.segment.onResult((r) => {
      if (r.studyKey !== this.study.index?.studyKey) return;
      const status = this.review.statusOf(r.itemId);
      // Main saved the proposal only for unreviewed items; mirror that rule here.
      if (status !== 'not-run' && status !== 'proposed') return;
      // Mid-stroke on this very item: the person's edit wins (it is autosaved as 'corrected' when the stroke ends).
      if (this.editor.stroking && this.study.currentId === r.itemId) return;
      this.mask.put(r.itemId, r.width, r.height, r.mask);
      this.review.statuses[r.itemId] = 'proposed';
      this.info(`S3-Net proposal ready (${r.iterations} iterations, ${r.seconds.toFixed(1)} s)`);
    });
    api.menu.onCommand((c) => {
      if (c.command === 'open-folder') void this.choose('folder');
      else if (c.command === 'open-files') void this.choose('files');
      else if (c.command === 'open-recent' && c.paths) void this.openPaths(c.paths);
      else if (c.command === 'export') this.exportOpen = true;
      else if (c.command === 'help') this.helpOpen = true;
    });
    void api.session.terminology().then((r) => {
      if (r.ok) this.terms = r.value;
    });
    void api.session.preferences().then((r) => {
      if (r.ok) this.reviewerName = r.value.reviewerName;
    });
  }

  info(m: string): void {
    this.message = m;
    this.messageIsError = false;
  }

  error(m: string): void {
    this.message = m;
    this.messageIsError = true;
  }

  async choose(kind: 'folder' | 'files'): Promise<void> {
    const r = await api.study.choose(kind);
    if (!r.ok) return this.error(r.error.message);
    if (r.value) await this.#opened(r.value);
  }

  async openPaths(paths: string[]): Promise<void> {
    if (paths.length === 0) return;
    this.study.loading = true;
    const r = await api.study.open(paths);
    this.study.loading = false;
    if (!r.ok) return this.error(r.error.message);
    await this.#opened(r.value);
  }

  /** Restores what the session store holds for this study: statuses, masks and the item last viewed. */
  async #opened(index: StudyIndex): Promise<void> {
    await this.autosave.flush();
    this.mask.reset();
    this.jobs.jobs = {};
    this.study.setIndex(index);
    this.review.order = this.study.order;
    const s = await api.session.load(index.studyKey);
    this.review.statuses = s.ok ? { ...s.value.statuses } : {};
    // Segment names and colours belong to the study: its own, or the default for what it holds.
    if (s.ok && s.value.segments.length > 0) this.mask.segments = s.value.segments.map((g) => ({ ...g }));
    else this.mask.segments = defaultSegments(index.patients.length === 0 && index.photos.length > 0 ? 'photo' : 'ct');
    if (s.ok)
      await Promise.all(
        s.value.masks.map(async (id) => {
          const m = await api.session.mask(index.studyKey, id);
          if (m.ok && m.value) this.mask.put(id, m.value.width, m.value.height, m.value.mask);
        }),
      );
    const count = this.study.order.length;
    this.info(`${index.title}: ${count} item${count === 1 ? '' : 's'}${index.skipped.length ? `, ${index.skipped.length} skipped` : ''}`);
    const view = s.ok ? s.value.view : null;
    const first = view?.itemId && this.study.order.includes(view.itemId) ? view.itemId : this.study.order[0];
    const restoredVoi = view?.windowCenter != null && view.windowWidth != null;
    if (restoredVoi) this.voi = { center: view.windowCenter ?? 0, width: view.windowWidth ?? 1 };
    if (first) await this.select(first, { keepVoi: restoredVoi });
  }

  async select(itemId: string, options: { keepVoi?: boolean } = {}): Promise<void> {
    const t0 = performance.now();
    const item = await this.study.load(itemId, (m) => this.error(m));
    if (!item) return;
    const groupChanged = this.study.currentEntry?.group !== this.study.entries.find((e) => e.ref.itemId === itemId)?.group;
    // A red fill hides a red-brown lesion's border: photos open with the outline, CT with the fill.
    if (this.study.current?.kind !== item.kind) this.mask.display = item.kind === 'photo' ? 'outline' : 'filled';
    this.study.currentId = itemId;
    if (groupChanged && !options.keepVoi) this.voi = item.kind === 'slice' ? initialWindow(item) : null;
    this.mask.ensure(itemId, item.width, item.height);
    this.study.current = item;
    this.mask.show(itemId);
    this.lastShowMs = performance.now() - t0;
    this.study.prefetchGroup((m) => this.error(m));
    this.saveView();
  }

  step(delta: number): void {
    const id = this.study.neighbour(delta);
    if (id && id !== this.study.currentId) void this.select(id);
  }

  /** Shows the slice at a position of the current series (0 = the first, -1 = the last). */
  goTo(index: number): void {
    const n = this.study.group.length;
    const id = this.study.group[index < 0 ? n + index : Math.min(n - 1, index)];
    if (id && id !== this.study.currentId) void this.select(id);
  }

  #viewTimer: ReturnType<typeof setTimeout> | undefined;
  saveView(): void {
    clearTimeout(this.#viewTimer);
    this.#viewTimer = setTimeout(() => {
      const key = this.study.index?.studyKey;
      if (!key) return;
      void api.session.setView(key, { itemId: this.study.currentId, seriesUid: this.study.currentEntry?.group ?? null, windowCenter: this.voi?.center ?? null, windowWidth: this.voi?.width ?? null });
    }, 300);
  }

  #segmentsTimer: ReturnType<typeof setTimeout> | undefined;
  /** Segment names and colours are part of the study's saved state (and of what SEG export writes). */
  saveSegments(): void {
    clearTimeout(this.#segmentsTimer);
    this.#segmentsTimer = setTimeout(() => {
      const key = this.study.index?.studyKey;
      if (!key) return;
      const segments = this.mask.segments.map((s) => ({ value: s.value, label: s.label.trim() || `Segment ${s.value}`, color: s.color, ...(s.term ? { term: s.term } : {}) }));
      void api.session.setSegments(key, segments).then((r) => (r.ok ? undefined : this.error(r.error.message)));
    }, 300);
  }

  async setStatus(itemId: string, status: ReviewStatus): Promise<void> {
    const key = this.study.index?.studyKey;
    if (!key) return;
    this.review.statuses[itemId] = status;
    const r = await api.session.setStatus(key, itemId, status);
    if (!r.ok) this.error(r.error.message);
  }

  /** The item whose accept was refused for want of a mask; the review panel then offers "Accept empty". */
  pendingEmpty: string | null = $state(null);
  /** The built-in segment terminology (loaded once) for the segment panel's picker. */
  terms: TerminologyEntry[] = $state.raw([]);
  /** Set once in preferences; main records it with every decision and writes it to SEG (ContentCreatorName). */
  reviewerName = $state('');

  async setReviewerName(name: string): Promise<void> {
    const r = await api.session.setPreferences({ reviewerName: name });
    if (r.ok) this.reviewerName = r.value.reviewerName;
    else this.error(r.error.message);
  }

  /**
   * A decision on the current item (its mask is autosaved first). Accepting an item with no mask needs acceptEmpty;
   * accepting a corrected item keeps it corrected. `next`: then show the next item nobody has decided on.
   */
  async decide(status: 'accepted' | 'rejected', options: { acceptEmpty?: boolean; next?: boolean } = {}): Promise<void> {
    const id = this.study.currentId;
    const key = this.study.index?.studyKey;
    if (!id || !key) return;
    await this.autosave.flush();
    const label = this.itemLabel(id);
    const acceptEmpty = options.acceptEmpty ?? false;
    if (status === 'accepted' && !acceptEmpty && !this.mask.get(id)?.data.some((v) => v !== 0)) {
      this.pendingEmpty = id;
      // Short: the status bar has room for one line; the review panel shows the "Accept empty" button beside it.
      return this.error(`${label}: no mask (${this.review.statusOf(id) === 'not-run' ? 'never run' : 'empty'}) — Accept empty?`);
    }
    const r = await api.session.setStatus(key, id, status, acceptEmpty);
    if (!r.ok) return this.error(r.error.message);
    const saved = r.value;
    this.review.statuses[id] = saved;
    this.pendingEmpty = null;
    const by = this.reviewerName ? ` by ${this.reviewerName}` : '';
    this.info(`${label}: ${saved === 'corrected' && status === 'accepted' ? 'accepted (corrected)' : saved}${acceptEmpty ? ', empty' : ''}${by}`);
    if (options.next) {
      const nextId = this.review.nextUnreviewed(id);
      if (nextId) await this.select(nextId);
    }
  }

  /** How people name an item: "Slice 8/16" in a series (file names say little), the file name for a photo. */
  itemLabel(itemId: string): string {
    const entry = this.study.entries.find((e) => e.ref.itemId === itemId);
    if (!entry) return itemId;
    if (entry.ref.kind !== 'slice') return entry.ref.label;
    const group = this.study.entries.filter((e) => e.group === entry.group);
    return `Slice ${group.indexOf(entry) + 1}/${group.length}`;
  }

  async nextUnreviewed(): Promise<void> {
    const id = this.review.nextUnreviewed(this.study.currentId);
    if (id) await this.select(id);
    else this.info('Every item has been reviewed');
  }

  async run(scope: 'item' | 'group' | 'all', config?: RunConfig): Promise<void> {
    const key = this.study.index?.studyKey;
    if (!key || !this.study.currentId) return;
    const named = scope === 'item' ? [this.study.currentId] : scope === 'group' ? this.study.group : this.study.order;
    // A proposal never replaces reviewed work (main keeps it only for undecided items), so series and whole-study runs
    // skip those; a run on this one item is asked for explicitly and goes ahead (its mask is kept, its clusters refresh).
    const decided = (id: string): boolean => ['accepted', 'corrected', 'rejected'].includes(this.review.statusOf(id));
    const ids = scope === 'item' ? named : named.filter((id) => !decided(id));
    const skipped = named.length - ids.length;
    if (ids.length === 0) return this.info(`Nothing to run: ${skipped === 1 ? 'this item is' : `all ${skipped} items are`} already reviewed`);
    const r = await api.segment.run(key, ids, config);
    if (!r.ok) return this.error(r.error.message);
    this.info(`S3-Net queued for ${r.value.jobs.length} item${r.value.jobs.length === 1 ? '' : 's'}${skipped ? ` (${skipped} reviewed skipped)` : ''}`);
  }

  async cancelRuns(jobIds: string[] = this.jobs.active.map((j) => j.jobId)): Promise<void> {
    const r = await api.segment.cancel(jobIds);
    if (!r.ok) this.error(r.error.message);
  }
}

const KEY = Symbol('app');
export function setApp(app: AppState): AppState {
  return setContext(KEY, app);
}
export function useApp(): AppState {
  return getContext<AppState>(KEY);
}
