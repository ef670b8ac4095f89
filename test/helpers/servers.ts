// Real servers for tests, started here and stopped afterwards: Orthanc with its DICOMweb plugin, and Redis.
// Both on 127.0.0.1, a free port, a temporary folder; every wait is bounded and a failed start says why.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { dataPath } from './data';

const ORTHANC = ['/usr/sbin/Orthanc', '/usr/bin/Orthanc'].find(existsSync) ?? 'Orthanc';
const DICOMWEB_PLUGIN = ['/usr/share/orthanc/plugins/libOrthancDicomWeb.so', '/usr/lib/orthanc/libOrthancDicomWeb.so'].find(existsSync);

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function stopProcess(p: ChildProcess, ms = 5000): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  const exited = new Promise<void>((r) => p.once('exit', () => r()));
  p.kill('SIGTERM');
  const t = setTimeout(() => p.kill('SIGKILL'), ms);
  await exited;
  clearTimeout(t);
}

/** Polls until ready() is true, at most ms; throws with the server's log tail otherwise. */
async function waitFor(what: string, ready: () => Promise<boolean>, p: ChildProcess, log: () => string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (p.exitCode !== null) throw new Error(`${what} exited with code ${p.exitCode} before it was ready:\n${log().slice(-2000)}`);
    if (await ready().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`${what} not ready within ${ms / 1000} s:\n${log().slice(-2000)}`);
}

export interface Orthanc {
  readonly port: number;
  /** DICOMweb root, e.g. http://127.0.0.1:PORT/dicom-web */
  readonly dicomWeb: string;
  readonly rest: string;
  readonly user: string;
  readonly password: string;
  readonly dir: string;
  /** Orthanc's REST API (with the test's credentials). */
  api(path: string, init?: RequestInit): Promise<Response>;
  /** Uploads DICOM files through the REST API; returns how many were accepted. */
  upload(files: readonly string[]): Promise<number>;
  stop(): Promise<void>;
}

export interface OrthancOptions {
  /** Require HTTP basic auth (a random password). Default true. */
  readonly auth?: boolean;
}

/** Starts Orthanc on 127.0.0.1:free port (remote access refused, DICOM port off), storage in a temp folder. */
export async function startOrthanc(options: OrthancOptions = {}): Promise<Orthanc> {
  if (!DICOMWEB_PLUGIN) throw new Error('the Orthanc DICOMweb plugin is not installed (Debian: orthanc-dicomweb)');
  const dir = await mkdtemp(join(tmpdir(), 's3a-orthanc-'));
  const port = await freePort();
  const user = 'tester';
  const password = randomBytes(12).toString('hex');
  const auth = options.auth ?? true;
  const config = {
    Name: 's3a-test', HttpPort: port, DicomServerEnabled: false, RemoteAccessAllowed: false,
    StorageDirectory: join(dir, 'db'), IndexDirectory: join(dir, 'db'),
    AuthenticationEnabled: auth, RegisteredUsers: auth ? { [user]: password } : {},
    Plugins: [DICOMWEB_PLUGIN], DicomWeb: { Enable: true, Root: '/dicom-web/', EnableWado: false },
    HttpTimeout: 30, StableAge: 2, SaveJobs: false, ConcurrentJobs: 2, HttpThreadsCount: 8,
  };
  await writeFile(join(dir, 'orthanc.json'), JSON.stringify(config));
  let log = '';
  const p = spawn(ORTHANC, [join(dir, 'orthanc.json')], { stdio: ['ignore', 'pipe', 'pipe'] });
  p.stdout?.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-20000)));
  p.stderr?.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-20000)));
  const spawnError = new Promise<never>((_, reject) => p.once('error', (e) => reject(new Error(`cannot start ${ORTHANC}: ${e.message}`))));
  const rest = `http://127.0.0.1:${port}`;
  const headers: Record<string, string> = auth ? { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` } : {};
  const api = (path: string, init: RequestInit = {}) => fetch(`${rest}${path}`, { ...init, headers: { ...headers, ...(init.headers as Record<string, string> | undefined) }, signal: AbortSignal.timeout(30_000) });
  try {
    await Promise.race([spawnError, waitFor('Orthanc', async () => (await api('/system')).ok, p, () => log, 20_000)]);
  } catch (err) {
    await stopProcess(p);
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    port, dicomWeb: `${rest}/dicom-web`, rest, user, password, dir, api,
    async upload(files) {
      let n = 0;
      for (const f of files) {
        const res = await api('/instances', { method: 'POST', body: await readFile(f) });
        if (res.ok) n++;
        await res.arrayBuffer();
      }
      return n;
    },
    async stop() {
      await stopProcess(p);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The three LIDC-IDRI series of the shared data (16, 12 and 11 slices). */
export async function lidcFiles(): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const patient of ['LIDC-IDRI-0001', 'LIDC-IDRI-0002', 'LIDC-IDRI-0003']) {
    const dir = dataPath('ct/lidc', patient);
    out[patient] = (await readdir(dir)).filter((f) => f.endsWith('.dcm')).sort().map((f) => join(dir, f));
  }
  return out;
}

export interface Redis {
  readonly port: number;
  readonly password: string;
  /** redis://:password@127.0.0.1:port */
  readonly url: string;
  stop(): Promise<void>;
}

/** Starts redis-server on 127.0.0.1:free port, no persistence, a random requirepass, in a temp folder. */
export async function startRedis(): Promise<Redis> {
  const dir = await mkdtemp(join(tmpdir(), 's3a-redis-'));
  const port = await freePort();
  const password = randomBytes(16).toString('hex');
  let log = '';
  const p = spawn('redis-server', ['--bind', '127.0.0.1', '--port', String(port), '--dir', dir, '--save', '', '--appendonly', 'no', '--requirepass', password, '--protected-mode', 'yes'], { stdio: ['ignore', 'pipe', 'pipe'] });
  p.stdout?.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-20000)));
  p.stderr?.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-20000)));
  const spawnError = new Promise<never>((_, reject) => p.once('error', (e) => reject(new Error(`cannot start redis-server: ${e.message}`))));
  try {
    await Promise.race([spawnError, waitFor('redis-server', async () => /Ready to accept connections/.test(log), p, () => log, 15_000)]);
  } catch (err) {
    await stopProcess(p);
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    port, password, url: `redis://:${password}@127.0.0.1:${port}`,
    async stop() {
      await stopProcess(p);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
