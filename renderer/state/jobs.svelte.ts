// S3-Net jobs as the renderer sees them: per-item progress (iteration, loss), state, and the queue's overall progress.
import type { JobProgress } from '../../main/contracts';

export class JobsState {
  jobs: Record<string, JobProgress> = $state({});

  list = $derived(Object.values(this.jobs));
  /** What a person wants to see first: what runs now, then what waits (in order), then the latest finished. */
  display = $derived.by(() => {
    const rank = { running: 0, queued: 1, failed: 2, done: 3, cancelled: 4 } as const;
    const n = (id: string): number => Number(id.replace(/\D/g, ''));
    return [...this.list].sort((a, b) => rank[a.state] - rank[b.state] || (a.state === 'queued' ? n(a.jobId) - n(b.jobId) : n(b.jobId) - n(a.jobId)));
  });
  active = $derived(this.list.filter((j) => j.state === 'queued' || j.state === 'running'));
  overall = $derived.by(() => {
    const total = this.list.length;
    const finished = this.list.filter((j) => j.state !== 'queued' && j.state !== 'running').length;
    return { total, finished, fraction: total ? finished / total : 0 };
  });

  update(p: JobProgress): void {
    this.jobs[p.jobId] = p;
  }

  forItem(itemId: string): JobProgress | undefined {
    return this.list.findLast((j) => j.itemId === itemId);
  }

  clearFinished(): void {
    for (const j of this.list) if (j.state !== 'queued' && j.state !== 'running') delete this.jobs[j.jobId];
  }
}
