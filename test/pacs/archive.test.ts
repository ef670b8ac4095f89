// Archive-scale pre-segmentation end to end: Orthanc and Redis on loopback, the three LIDC series (and one MR)
// enqueued twice, two worker processes, one SIGKILLed in the middle of a job; then exactly one SEG per CT series in
// Orthanc, each valid per dciodvfy, the MR parked with its reason. Small segment options keep it fast: --size 32
// --max-iter 1 (the masks come from the HU rule either way; S3-Net's quality is measured elsewhere).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../main/cli/index';
import { DicomWebClient, readSegFile } from '../../main/services/pacs';
import { queueStatus } from '../../main/services/jobs';
import { dataPath, REPO_ROOT } from '../helpers/data';
import { requireTool } from '../helpers/tools';
import { lidcFiles, startOrthanc, startRedis, type Orthanc, type Redis } from '../helpers/servers';

let orthanc: Orthanc;
let redis: Redis;
let dir: string;
const workers: ChildProcess[] = [];
const SEGMENT = ['--size', '32', '--max-iter', '1', '--backend', 'wasm', '--workers', '1'];

function capture() {
  let out = '', err = '';
  return { io: { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) } }, out: () => out, err: () => err };
}

beforeAll(async () => {
  [orthanc, redis] = await Promise.all([startOrthanc(), startRedis()]);
  const lidc = Object.values(await lidcFiles()).flat();
  expect(await orthanc.upload([...lidc, dataPath('dicom/pydicom/MR_small_implicit.dcm')])).toBe(lidc.length + 1);
  dir = await mkdtemp(join(tmpdir(), 's3a-archive-'));
  process.env.S3A_PACS_PASSWORD = orthanc.password;
}, 60_000);

afterAll(async () => {
  for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
  await Promise.all([orthanc?.stop(), redis?.stop()]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

function startWorkerProcess(name: string): { proc: ChildProcess; log: () => string } {
  let log = '';
  const proc = spawn(process.execPath, [join(REPO_ROOT, 'main/cli/bin.mjs'), 'worker', '--queue', `redis://127.0.0.1:${redis.port}`, '--pacs', orthanc.dicomWeb,
    '--user', orthanc.user, '--id', name, '--lock-seconds', '3', '--cache', join(dir, `cache-${name}`), '--out', join(dir, `seg-${name}`), ...SEGMENT], {
    env: { ...process.env, S3A_PACS_PASSWORD: orthanc.password, S3A_REDIS_PASSWORD: redis.password },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  proc.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  workers.push(proc);
  return { proc, log: () => log };
}

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('archive pre-segmentation on BullMQ/Redis', () => {
  it('two workers, one killed mid-job: one SEG per CT series, each valid; the MR is parked with its reason', async () => {
    const queueUrl = redis.url;
    const pacs = ['--pacs', orthanc.dicomWeb, '--user', orthanc.user];
    const first = capture();
    expect(await main(['enqueue', '--queue', queueUrl, ...pacs, '--since', '1999-01-01', '--json'], first.io)).toBe(0);
    expect(JSON.parse(first.out())).toEqual({ series: 4, added: 4, alreadyQueued: 0 });
    const again = capture(); // enqueued twice: nothing new
    expect(await main(['enqueue', '--queue', queueUrl, ...pacs, '--json'], again.io)).toBe(0);
    expect(JSON.parse(again.out())).toEqual({ series: 4, added: 0, alreadyQueued: 4 });

    const a = startWorkerProcess('worker-a');
    // Kill A in the middle of its first CT job: after it took the job, before it finished it.
    const started = await until('worker-a to start a CT job', () => {
      const m = /job (\S+): series (\S+) \(attempt 1/.exec(a.log());
      return m && !a.log().includes('MR') ? m[2] : undefined;
    }, 120_000).catch(async (err) => {
      throw new Error(`${(err as Error).message}\n${a.log()}`);
    });
    await new Promise((r) => setTimeout(r, 1500));
    expect(a.log()).not.toMatch(new RegExp(`series ${started.replace(/\./g, '\\.')}: (stored|already)`));
    a.proc.kill('SIGKILL');
    await new Promise((r) => a.proc.once('exit', r));
    const b = startWorkerProcess('worker-b');

    const status = await until('all four jobs to finish', async () => {
      const s = await queueStatus(queueUrl);
      return s.done + s.failed === 4 && s.active === 0 ? s : undefined;
    }, 400_000).catch((err) => {
      throw new Error(`${(err as Error).message}\nworker-a:\n${a.log()}\nworker-b:\n${b.log()}`);
    });
    expect(status.done).toBe(3);
    expect(status.failed).toBe(1);
    expect(status.parked).toHaveLength(1);
    expect(status.parked[0]!.reason).toMatch(/modality MR, not CT/);
    expect(status.parked[0]!.attempts).toBe(1); // not retried: no retry can help
    expect(status.throughput.map((t) => t.worker)).toContain('worker-b');
    expect(b.log()).toMatch(new RegExp(`series ${started.replace(/\./g, '\\.')}: stored`)); // the killed job was redelivered

    // Exactly one SEG per CT series in Orthanc, referencing it, valid per dciodvfy.
    const client = await DicomWebClient.open({ url: orthanc.dicomWeb, auth: { kind: 'basic', user: orthanc.user, password: orthanc.password } });
    const ct = await client.searchSeries({ modality: 'CT' });
    expect(ct).toHaveLength(3);
    const segs = await client.searchSeries({ modality: 'SEG' });
    expect(segs).toHaveLength(3);
    const tool = requireTool('dciodvfy', 'dicom3tools');
    const referenced: string[] = [];
    for (const seg of segs) {
      const instances = await client.listInstances(seg.studyInstanceUID, seg.seriesInstanceUID);
      expect(instances).toHaveLength(1);
      const parts: Buffer[] = [];
      await client.retrieve(seg.studyInstanceUID, seg.seriesInstanceUID, async (p) => void parts.push(p.body));
      const path = join(dir, `${seg.seriesInstanceUID}.from-orthanc.dcm`);
      await writeFile(path, parts[0]!);
      referenced.push((await readSegFile(path)).referencedSeriesInstanceUID);
      const run = spawnSync(tool, [path], { encoding: 'utf8' });
      expect(`${run.stdout}${run.stderr}`).toContain('Segmentation');
      expect(`${run.stdout}${run.stderr}`.split('\n').filter((l) => /^Error/.test(l))).toEqual([]);
    }
    expect(referenced.sort()).toEqual(ct.map((s) => s.seriesInstanceUID).sort());

    const text = capture();
    expect(await main(['queue', 'status', '--queue', queueUrl], text.io)).toBe(0);
    expect(text.out()).toMatch(/waiting 0 {2}active 0 {2}retrying 0 {2}done 3 {2}failed 1/);
    expect(text.out()).toMatch(/worker-b: \d+ series, [\d.]+ s each, [\d.]+ series\/hour/);
    expect(text.out()).toMatch(/parked: series \S+ after 1 attempt: .*modality MR, not CT/);
    b.proc.kill('SIGTERM');
    await until('worker-b to stop on SIGTERM', () => (b.proc.exitCode !== null ? b.proc.exitCode : undefined), 60_000);
    expect(b.proc.exitCode).toBe(0);
  }, 600_000);

  it('a queue that is down or refuses the password is a clear error, not a hang', async () => {
    const wrong = capture();
    const t0 = Date.now();
    expect(await main(['queue', 'status', '--queue', `redis://:wrong@127.0.0.1:${redis.port}`], wrong.io)).toBe(1);
    expect(wrong.err()).toMatch(/queue redis:\/\/127\.0\.0\.1:\d+: authentication failed/);
    const down = capture();
    expect(await main(['queue', 'status', '--queue', 'redis://127.0.0.1:1'], down.io)).toBe(1);
    expect(down.err()).toMatch(/queue redis:\/\/127\.0\.0\.1:1: connection refused/);
    expect(Date.now() - t0).toBeLessThan(15_000);
  });
});
