// Series per hour of the archive pipeline (enqueue → workers → SEG in Orthanc) with 1 and 2 worker processes.
// Run: npx tsx test/bench/archive.ts [--workers 1,2] [segment options; default: the CLI's defaults with warm start]
// Orthanc and Redis are started on loopback as in the tests; the three LIDC series are the archive.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../main/cli/index';
import { queueStatus } from '../../main/services/jobs';
import { REPO_ROOT } from '../helpers/data';
import { lidcFiles, startOrthanc, startRedis } from '../helpers/servers';

const args = process.argv.slice(2);
const wi = args.indexOf('--workers');
const counts = wi >= 0 ? (args.splice(wi, 2)[1] ?? '1,2').split(',').map(Number) : [1, 2];
const segment = args.length ? args : ['--backend', 'wasm'];
const quiet = { stdout: { write: () => true }, stderr: { write: (s: string) => process.stderr.write(s) } };

const workers: ChildProcess[] = [];
// Ctrl+C stops the workers too (the servers are stopped by the finally below once the workers are gone).
process.once('SIGINT', () => workers.forEach((w) => w.kill('SIGTERM')));

for (const n of counts) {
  const [orthanc, redis] = await Promise.all([startOrthanc(), startRedis()]);
  workers.length = 0;
  let dir = '';
  try {
    const files = Object.values(await lidcFiles()).flat();
    await orthanc.upload(files);
    process.env.S3A_PACS_PASSWORD = orthanc.password;
    dir = await mkdtemp(join(tmpdir(), 's3a-bench-archive-'));
    const t0 = performance.now();
    for (let k = 0; k < n; k++) {
      workers.push(spawn(process.execPath, [join(REPO_ROOT, 'main/cli/bin.mjs'), 'worker', '--queue', `redis://127.0.0.1:${redis.port}`, '--pacs', orthanc.dicomWeb,
        '--user', orthanc.user, '--id', `w${k + 1}`, '--cache', join(dir, `c${k}`), '--out', join(dir, `s${k}`), ...segment], {
        env: { ...process.env, S3A_REDIS_PASSWORD: redis.password }, stdio: ['ignore', 'ignore', 'inherit'],
      }));
    }
    await main(['enqueue', '--queue', redis.url, '--pacs', orthanc.dicomWeb, '--user', orthanc.user], quiet);
    for (;;) {
      const s = await queueStatus(redis.url);
      if (s.done + s.failed === 3) {
        const hours = (performance.now() - t0) / 3_600_000;
        console.log(JSON.stringify({ workers: n, series: s.done, failed: s.failed, wallSeconds: Number((hours * 3600).toFixed(1)), seriesPerHour: Number((s.done / hours).toFixed(1)), perWorker: s.throughput, segment }));
        break;
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  } finally {
    for (const w of workers) w.kill('SIGTERM');
    await Promise.all(workers.map((w) => new Promise((r) => (w.exitCode !== null ? r(null) : w.once('exit', r)))));
    await Promise.all([orthanc.stop(), redis.stop()]);
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}
