// The review queue: a status and a proposal confidence per slice/photo, counts per status, and what to look at next.
import type { JobResult, Result, ReviewStatus, SessionState, Unsubscribe } from '../../main/contracts';

/** The contract's statuses in display order (the renderer imports contracts as types only). */
export const REVIEW_STATUSES = ['not-run', 'proposed', 'accepted', 'corrected', 'rejected'] as const satisfies readonly ReviewStatus[];

/** Below this confidence a proposal is marked for a closer look. */
export const DOUBTFUL_BELOW = 0.5;

/**
 * Items awaiting review (proposed), least confident first; unknown confidence (sessions saved before confidences
 * existed) after every known one; ties keep browsing order.
 */
export function reviewQueue(order: readonly string[], statuses: Readonly<Record<string, ReviewStatus>>, confidences: Readonly<Record<string, number>>): string[] {
  const rank = (id: string): number => confidences[id] ?? Infinity;
  return order
    .map((id, index) => ({ id, index }))
    .filter(({ id }) => statuses[id] === 'proposed')
    .sort((a, b) => rank(a.id) - rank(b.id) || a.index - b.index)
    .map(({ id }) => id);
}

/** The queue's item after `from` (wrapping), or its first when `from` is not in it; null when there is no other. */
export function nextInQueue(queue: readonly string[], from: string | null): string | null {
  const at = from === null ? -1 : queue.indexOf(from);
  if (at < 0) return queue[0] ?? null;
  return queue.length > 1 ? (queue[(at + 1) % queue.length] ?? null) : null;
}

/** Where confidences come from: the saved session, then each new proposal (window.api has both). */
export interface ConfidenceSource {
  readonly session: { load(studyKey: string): Promise<Result<SessionState>> };
  readonly segment: { onResult(listener: (r: JobResult) => void): Unsubscribe };
}

export class ReviewState {
  statuses: Record<string, ReviewStatus> = $state({});
  /** S3-Net's confidence (0..1) in each item's latest proposal; missing = unknown. */
  confidences: Record<string, number> = $state({});
  /** Every item in browsing order (series slices, then photos); set when a study opens. */
  order: string[] = $state.raw([]);

  counts = $derived.by(() => {
    const c = Object.fromEntries(REVIEW_STATUSES.map((s) => [s, 0])) as Record<ReviewStatus, number>;
    for (const id of this.order) c[this.statuses[id] ?? 'not-run']++;
    return c;
  });
  queue = $derived(reviewQueue(this.order, this.statuses, this.confidences));

  statusOf(itemId: string): ReviewStatus {
    return this.statuses[itemId] ?? 'not-run';
  }

  confidenceOf(itemId: string): number | null {
    return this.confidences[itemId] ?? null;
  }

  /** The next item after `from` (wrapping) that nobody has decided on: not run or only proposed. */
  nextUnreviewed(from: string | null): string | null {
    const n = this.order.length;
    const start = from ? this.order.indexOf(from) : -1;
    for (let k = 1; k <= n; k++) {
      const id = this.order[(start + k + n) % n];
      if (id && (this.statusOf(id) === 'not-run' || this.statusOf(id) === 'proposed')) return id;
    }
    return null;
  }

  /** The next proposal to check, least confident first. */
  nextToCheck(from: string | null): string | null {
    return nextInQueue(this.queue, from);
  }

  /**
   * Keeps confidences in step with one open study: the saved ones, then each proposal main accepted (it keeps a
   * proposal only for items nobody has decided on, and so does this). Returns the unsubscribe for when the study closes.
   */
  follow(studyKey: string, source: ConfidenceSource): Unsubscribe {
    let open = true;
    this.confidences = {};
    void source.session.load(studyKey).then((r) => {
      // A proposal that arrived while loading is newer than what was saved.
      if (open && r.ok) this.confidences = { ...r.value.confidences, ...this.confidences };
    });
    const off = source.segment.onResult((r) => {
      const status = this.statusOf(r.itemId);
      if (r.studyKey === studyKey && (status === 'not-run' || status === 'proposed')) this.confidences[r.itemId] = r.confidence;
    });
    return () => {
      open = false;
      off();
    };
  }
}

/** What moving through the queue needs from the app (AppState has it). */
export interface QueueNavigator {
  readonly review: ReviewState;
  readonly study: { readonly currentId: string | null };
  select(itemId: string): Promise<void>;
  info(message: string): void;
}

/** Shows the next proposal to check, or says there is none. */
export async function showNextToCheck(app: QueueNavigator): Promise<void> {
  const id = app.review.nextToCheck(app.study.currentId);
  if (id) await app.select(id);
  else app.info(app.review.queue.length ? 'This is the only proposal awaiting review' : 'No S3-Net proposals are awaiting review');
}
