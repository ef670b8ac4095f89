// S3-Net jobs as the renderer sees them: per-item progress (iteration, loss), state, and the queue's overall progress.
import type { JobProgress } from '../../main/contracts';

export class JobsState {
  jobs: Record<string, JobProgress> = $state({});

  list = $derived(Object.values(this.jobs));
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
