// `s3-annotate enqueue | worker | queue status`: archive-scale pre-segmentation on a BullMQ queue in Redis.
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { enqueueSeries, queueStatus, startWorker, SeriesUnusable, type SeriesJobData } from '../../services/jobs/index';
import { PACS_OPTIONS, PACS_OPTIONS_HELP, UnusableSeriesError, cacheFromFlags, clientFromFlags, defaultCacheRoot, describeFailure, segmentSeriesFromPacs, takeOptions, type PacsFlags } from '../pacs';
import type { CommandIO } from './info';

const QUEUE_HELP = `  --queue URL                  redis://host:port[/db]; the password in the URL or in S3A_REDIS_PASSWORD
`;

export const ENQUEUE_HELP = `usage: s3-annotate enqueue --queue URL --pacs URL [--modality CT] [--since DATE] [--until DATE] [--patient ID] [--study UID]

Adds one job per matching series (SEG, SR and other derived objects left out). A series already queued, running or
done is not added again.

${QUEUE_HELP}${PACS_OPTIONS_HELP}`;

export const WORKER_HELP = `usage: s3-annotate worker --queue URL --pacs URL [--out DIR] [--id NAME] [--lock-seconds N] [segment options]

Takes series jobs one at a time: pulls the series, segments it (warm start along the series, default mode unless the
options say otherwise), stores the SEG unless the server already has it, and acknowledges. Any number of workers on
any number of machines share one queue. A job is tried 3 times and then parked with its reason; a series that is
not CT or has no usable geometry is parked at once. A worker that dies loses its job to another after --lock-seconds
(default 30). SIGTERM or Ctrl+C finishes the job in hand, then stops.

${QUEUE_HELP}${PACS_OPTIONS_HELP}  --out DIR                    where SEGs are written before they are sent (default ~/.cache/s3-annotate/seg)
`;

export const QUEUE_STATUS_HELP = `usage: s3-annotate queue status --queue URL [--json]

Waiting, active, done and failed (parked) jobs, the workers connected, and per-worker throughput.

${QUEUE_HELP}`;

const DERIVED = new Set(['SEG', 'SR', 'RTSTRUCT', 'RTPLAN', 'RTDOSE', 'PR', 'KO', 'DOC', 'REG']);

export async function enqueue(args: string[], io: CommandIO): Promise<number> {
  let v;
  try {
    v = parseArgs({ args, options: { ...PACS_OPTIONS, queue: { type: 'string' }, modality: { type: 'string' }, since: { type: 'string' }, until: { type: 'string' }, patient: { type: 'string' }, study: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean' } } }).values;
  } catch (err) {
    return usage(io, 'enqueue', (err as Error).message, ENQUEUE_HELP);
  }
  if (v.help) return help(io, ENQUEUE_HELP);
  if (!v.queue) return usage(io, 'enqueue', '--queue URL is required', ENQUEUE_HELP);
  const client = await clientFromFlags(v as PacsFlags);
  if (typeof client === 'string') return usage(io, 'enqueue', client, ENQUEUE_HELP);
  try {
    const found = await client.searchSeries({
      ...(v.modality ? { modality: v.modality } : {}), ...(v.since ? { since: v.since } : {}), ...(v.until ? { until: v.until } : {}),
      ...(v.patient ? { patientId: v.patient } : {}), ...(v.study ? { studyInstanceUID: v.study } : {}),
    });
    const jobs: SeriesJobData[] = found.filter((s) => !DERIVED.has(s.modality)).map((s) => ({
      pacs: v.pacs as string, studyInstanceUID: s.studyInstanceUID, seriesInstanceUID: s.seriesInstanceUID, modality: s.modality, patientId: s.patientId,
    }));
    const r = await enqueueSeries(v.queue, jobs);
    io.stdout.write(v.json ? `${JSON.stringify({ series: jobs.length, ...r })}\n` : `${jobs.length} series found on ${client.server}: ${r.added} added, ${r.alreadyQueued} already queued or done\n`);
    return 0;
  } catch (err) {
    io.stderr.write(`s3-annotate enqueue: ${describeFailure(err)}\n`);
    return 1;
  }
}

export async function worker(args: string[], io: CommandIO): Promise<number> {
  if (args.includes('--help')) return help(io, WORKER_HELP);
  const split = takeOptions(args, ['queue', 'pacs', 'user', 'ca', 'cache', 'cache-max-mb', 'timeout', 'out', 'id', 'lock-seconds'], []);
  if (typeof split === 'string') return usage(io, 'worker', split, WORKER_HELP);
  const v = split.taken as PacsFlags & { queue?: string; out?: string; id?: string; 'lock-seconds'?: string };
  if (!v.queue) return usage(io, 'worker', '--queue URL is required', WORKER_HELP);
  const client = await clientFromFlags(v);
  if (typeof client === 'string') return usage(io, 'worker', client, WORKER_HELP);
  const cache = cacheFromFlags(v);
  if (typeof cache === 'string') return usage(io, 'worker', cache, WORKER_HELP);
  const lock = v['lock-seconds'] === undefined ? 30 : Number(v['lock-seconds']);
  if (!(lock >= 2 && lock <= 3600)) return usage(io, 'worker', '--lock-seconds must be in [2, 3600]', WORKER_HELP);
  const segmentArgs = split.rest.includes('--warm-start') ? split.rest : [...split.rest, '--warm-start'];
  const out = v.out ?? join(defaultCacheRoot(), 'seg');
  const log = (line: string) => io.stderr.write(`s3-annotate worker: ${line}\n`);
  const quiet: CommandIO = { stdout: { write: () => true }, stderr: { write: () => true } };
  let running;
  try {
    running = await startWorker(v.queue, async (job, { signal }) => {
      if (job.pacs.replace(/\/+$/, '') !== (v.pacs as string).replace(/\/+$/, '')) throw new SeriesUnusable(`job is for PACS ${job.pacs}; this worker serves ${v.pacs}`);
      try {
        const r = await segmentSeriesFromPacs(client, cache, job.studyInstanceUID, job.seriesInstanceUID, segmentArgs, out, quiet, { push: true, overwrite: true, signal });
        if (r.outcome.status === 'refused') throw new Error(`${client.server} refused SEG ${r.segSopInstanceUID}: ${r.outcome.reason}; the SEG is kept at ${r.outcome.path}`);
        return { outcome: r.outcome.status === 'stored' ? 'stored' : 'already-present', segSopInstanceUID: r.segSopInstanceUID };
      } catch (err) {
        if (err instanceof UnusableSeriesError) throw new SeriesUnusable(err.message);
        throw err;
      }
    }, { ...(v.id ? { id: v.id } : {}), lockMs: lock * 1000, onEvent: log });
  } catch (err) {
    io.stderr.write(`s3-annotate worker: ${describeFailure(err)}\n`);
    return 1;
  }
  log(`${running.id} waiting for jobs on ${v.queue.replace(/\/\/[^@/]*@/, '//')} (PACS ${client.server})`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      log('stopping after the job in hand');
      resolve();
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  await running.close();
  return 0;
}

export async function queue(args: string[], io: CommandIO): Promise<number> {
  const [verb, ...rest] = args;
  if (verb !== 'status') return usage(io, 'queue', verb ? `unknown verb "${verb}" (status)` : 'which? (status)', QUEUE_STATUS_HELP);
  let v;
  try {
    v = parseArgs({ args: rest, options: { queue: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean' } } }).values;
  } catch (err) {
    return usage(io, 'queue status', (err as Error).message, QUEUE_STATUS_HELP);
  }
  if (v.help) return help(io, QUEUE_STATUS_HELP);
  if (!v.queue) return usage(io, 'queue status', '--queue URL is required', QUEUE_STATUS_HELP);
  try {
    const s = await queueStatus(v.queue);
    if (v.json) {
      io.stdout.write(`${JSON.stringify(s)}\n`);
      return 0;
    }
    io.stdout.write(`waiting ${s.waiting}  active ${s.active}  retrying ${s.delayed}  done ${s.done}  failed ${s.failed}\n`);
    io.stdout.write(`workers connected: ${s.workersConnected.length ? s.workersConnected.join(', ') : 'none'}\n`);
    for (const t of s.throughput) io.stdout.write(`  ${t.worker}: ${t.done} series, ${t.meanSeconds} s each, ${t.seriesPerHour} series/hour\n`);
    for (const p of s.parked) io.stdout.write(`parked: series ${p.series} after ${p.attempts} attempt${p.attempts === 1 ? '' : 's'}: ${p.reason}\n`);
    return 0;
  } catch (err) {
    io.stderr.write(`s3-annotate queue status: ${describeFailure(err)}\n`);
    return 1;
  }
}

function help(io: CommandIO, text: string): number {
  io.stdout.write(text);
  return 0;
}

function usage(io: CommandIO, command: string, message: string, help: string): number {
  io.stderr.write(`s3-annotate ${command}: ${message}\n${help}`);
  return 2;
}
