// What an export writes, decided from review statuses alone: the dialog's sentence and the writer use this one rule.
import type { ExportPlan, RejectedPolicy } from '../../contracts/export';
import type { ReviewStatus } from '../../contracts/session';

export interface PlanOptions {
  readonly rejected: RejectedPolicy;
  readonly includeUnreviewed: boolean;
}

/** One item that goes out: with its saved mask, or as zeros (a rejected proposal: nothing to segment there). */
export interface PlannedItem {
  readonly itemId: string;
  readonly write: 'mask' | 'empty';
}

export interface PlannedExport {
  readonly items: readonly PlannedItem[];
  readonly plan: ExportPlan;
}

/**
 * Accepted and corrected items go out with their masks; rejected ones empty or not at all, as the user chose;
 * proposals nobody reviewed only when asked; items never run (no status) never.
 */
export function planExport(itemIds: readonly string[], statuses: Readonly<Record<string, ReviewStatus>>, hasMask: (itemId: string) => boolean, options: PlanOptions): PlannedExport {
  const counts = { accepted: 0, corrected: 0, unreviewed: 0, rejected: 0, notRun: 0 };
  const items: PlannedItem[] = [];
  for (const itemId of new Set(itemIds)) {
    const status = statuses[itemId] ?? 'not-run';
    if (status === 'accepted' || status === 'corrected') {
      counts[status]++;
      items.push({ itemId, write: hasMask(itemId) ? 'mask' : 'empty' });
    } else if (status === 'rejected') {
      counts.rejected++;
      if (options.rejected === 'empty') items.push({ itemId, write: 'empty' });
    } else if (status === 'proposed') {
      counts.unreviewed++;
      if (options.includeUnreviewed) items.push({ itemId, write: 'mask' });
    } else counts.notRun++;
  }
  const parts = [
    counts.accepted && `${counts.accepted} accepted`,
    counts.corrected && `${counts.corrected} corrected`,
    counts.unreviewed && `${counts.unreviewed} unreviewed ${options.includeUnreviewed ? 'included' : 'left out'}`,
    counts.rejected && `${counts.rejected} rejected ${options.rejected === 'empty' ? 'written empty' : 'left out'}`,
    counts.notRun && `${counts.notRun} not run left out`,
  ].filter((p): p is string => typeof p === 'string');
  const summary = items.length === 0 ? `Nothing to write${parts.length ? ` (${parts.join(', ')})` : ''}` : parts.join(', ');
  return {
    items,
    plan: { ...counts, unreviewedIncluded: options.includeUnreviewed, rejectedPolicy: options.rejected, written: items.length, summary },
  };
}
