// The PACS commands against a real Orthanc: search, pull (cache), segment --pacs --push (twice: one SEG), push, bad use.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../main/cli/index';
import { segmentConfiguration } from '../../main/cli/commands/segment';
import { segIdentity } from '../../main/services/pacs';
import { lidcFiles, startOrthanc, type Orthanc } from '../helpers/servers';

let orthanc: Orthanc;
let pacs: string[];
let dir: string;

function capture() {
  let out = '', err = '';
  return { io: { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) } }, out: () => out, err: () => err };
}

beforeAll(async () => {
  orthanc = await startOrthanc();
  const files = await lidcFiles();
  await orthanc.upload([...files['LIDC-IDRI-0001']!, ...files['LIDC-IDRI-0003']!]);
  process.env.S3A_PACS_PASSWORD = orthanc.password;
  dir = await mkdtemp(join(tmpdir(), 's3a-cli-pacs-'));
  pacs = ['--pacs', orthanc.dicomWeb, '--user', orthanc.user, '--cache', join(dir, 'cache')];
}, 60_000);
afterAll(async () => {
  await orthanc?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function study(patient: string): Promise<string> {
  const c = capture();
  expect(await main(['pacs', 'search', ...pacs, '--patient', patient, '--json'], c.io)).toBe(0);
  return (JSON.parse(c.out().trim()) as { studyInstanceUID: string }).studyInstanceUID;
}

describe('s3-annotate pacs', () => {
  it('search prints studies or series, as a table or JSON lines', async () => {
    const c = capture();
    expect(await main(['pacs', 'search', ...pacs, '--modality', 'CT', '--since', '2000-01-01'], c.io)).toBe(0);
    const lines = c.out().trim().split('\n');
    expect(lines[0]).toMatch(/^patientId\s+patientName\s+studyDate\s+modalities\s+seriesCount/);
    expect(lines.slice(1).map((l) => l.split(/\s+/)[0]).sort()).toEqual(['LIDC-IDRI-0001', 'LIDC-IDRI-0003']);
    expect(c.err()).toContain(`2 studies on ${orthanc.dicomWeb}`);
    const s = capture();
    expect(await main(['pacs', 'search', ...pacs, '--series', '--patient', 'LIDC-IDRI-0003', '--json'], s.io)).toBe(0);
    expect(JSON.parse(s.out())).toMatchObject({ patientId: 'LIDC-IDRI-0003', modality: 'CT', instanceCount: 11 });
  });

  it('pull retrieves a study into a folder; the second pull is served from the cache', async () => {
    const uid = await study('LIDC-IDRI-0003');
    const c = capture();
    expect(await main(['pacs', 'pull', ...pacs, '--study', uid, '--out', join(dir, 'pulled')], c.io)).toBe(0);
    const r = JSON.parse(c.out()) as { series: string; folder: string; downloaded: number };
    expect(r.downloaded).toBe(11);
    expect((await readdir(r.folder)).filter((f) => f.endsWith('.dcm'))).toHaveLength(11);
    const again = capture();
    expect(await main(['pacs', 'pull', ...pacs, '--study', uid], again.io)).toBe(0);
    expect(JSON.parse(again.out())).toMatchObject({ downloaded: 0, fromCache: 11 });
    const clash = capture(); // the copies are the user's now: not replaced without --overwrite
    expect(await main(['pacs', 'pull', ...pacs, '--study', uid, '--out', join(dir, 'pulled')], clash.io)).toBe(1);
    expect(clash.err()).toMatch(/already exists \(pass --overwrite/);
  });

  it('segment --pacs --push stores one SEG; run again it finds it and segments nothing; pacs push says already present', async () => {
    const uid = await study('LIDC-IDRI-0003');
    const out = join(dir, 'seg');
    const first = capture();
    const opts = ['--size', '32', '--max-iter', '1', '--backend', 'wasm', '--warm-start'];
    expect(await main(['segment', ...pacs, '--study', uid, '--push', '--out', out, ...opts], first.io)).toBe(0);
    expect(first.err()).toMatch(/series \S+: stored SEG 2\.25\.\d+ on http/);
    const [segFile] = await readdir(out);
    const second = capture();
    const t0 = Date.now();
    expect(await main(['segment', ...pacs, '--study', uid, '--push', '--out', out, ...opts], second.io)).toBe(0);
    expect(second.err()).toMatch(/already present on .* not sent again \(not segmented again\)/);
    expect(Date.now() - t0).toBeLessThan(20_000);
    const push = capture();
    expect(await main(['pacs', 'push', ...pacs, join(out, segFile!)], push.io)).toBe(0);
    expect(push.out()).toMatch(/already present/);
    const segs = capture();
    expect(await main(['pacs', 'search', ...pacs, '--series', '--modality', 'SEG', '--json'], segs.io)).toBe(0);
    expect(segs.out().trim().split('\n')).toHaveLength(1);
    // Other options would make another SEG: its identity includes the configuration (the backend aside).
    const id = (args: string[]) => segIdentity('1.2.3', segmentConfiguration(args) as Record<string, unknown>).sopInstanceUID;
    expect(id(opts)).toBe(id([...opts, '--backend', 'cpu']));
    expect(id(opts)).not.toBe(id([...opts, '--seed', '2']));
    expect(id(opts)).not.toBe(id(['--size', '32', '--max-iter', '1']));
  });

  it('says what is wrong: no password in the environment, a wrong one, an unknown study, a bad date', async () => {
    const saved = process.env.S3A_PACS_PASSWORD;
    delete process.env.S3A_PACS_PASSWORD;
    const noPw = capture();
    expect(await main(['pacs', 'search', ...pacs], noPw.io)).toBe(2);
    expect(noPw.err()).toMatch(/needs the password in the environment variable S3A_PACS_PASSWORD/);
    process.env.S3A_PACS_PASSWORD = 'wrong';
    const wrong = capture();
    expect(await main(['pacs', 'search', ...pacs], wrong.io)).toBe(1);
    expect(wrong.err()).toMatch(/PACS http:\/\/127\.0\.0\.1:\d+\/dicom-web: study search: HTTP 401/);
    process.env.S3A_PACS_PASSWORD = saved;
    const unknown = capture();
    expect(await main(['segment', ...pacs, '--study', '1.2.3.4', '--push'], unknown.io)).toBe(1);
    expect(unknown.err()).toMatch(/study 1\.2\.3\.4 on http\S+ has no CT series/);
    const date = capture();
    expect(await main(['pacs', 'search', ...pacs, '--since', 'yesterday'], date.io)).toBe(1);
    expect(date.err()).toMatch(/since must be a date YYYY-MM-DD, got "yesterday"/);
  });
});
