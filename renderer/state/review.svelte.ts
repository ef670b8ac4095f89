// The review queue: a status per slice/photo, counts per status, and the next item still waiting for a decision.
import type { ReviewStatus } from '../../main/contracts';

/** The contract's statuses in display order (the renderer imports contracts as types only). */
export const REVIEW_STATUSES = ['not-run', 'proposed', 'accepted', 'corrected', 'rejected'] as const satisfies readonly ReviewStatus[];

export class ReviewState {
  statuses: Record<string, ReviewStatus> = $state({});
  /** Every item in browsing order (series slices, then photos); set when a study opens. */
  order: string[] = $state.raw([]);

  counts = $derived.by(() => {
    const c = Object.fromEntries(REVIEW_STATUSES.map((s) => [s, 0])) as Record<ReviewStatus, number>;
    for (const id of this.order) c[this.statuses[id] ?? 'not-run']++;
    return c;
  });

  statusOf(itemId: string): ReviewStatus {
    return this.statuses[itemId] ?? 'not-run';
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
}
