// The DICOMweb client against a real Orthanc (Debian's, started here): search, retrieve with cache and resume,
// STOW of a SEG read back as the same mask, and a PACS that refuses, is down, stalls or answers nonsense.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DicomWebClient, PacsError, SeriesCache, keychainSecretStore, memorySecretStore, pushSeg, readSegFile, segIdentity, type SecretCipher } from '../../main/services/pacs';
import { indexPaths, loadSeries } from '../../main/services/dicom';
import { buildSeg, importSeg, volumeFromLabelMaps } from '../../main/services/masks';
import { readMultipart, boundaryOf } from '../../main/services/pacs/multipart';
import { freePort, lidcFiles, startOrthanc, type Orthanc } from '../helpers/servers';
import { startProxy } from '../helpers/proxy';

let orthanc: Orthanc;
let files: Record<string, string[]>;
let client: DicomWebClient;
const auth = () => ({ kind: 'basic' as const, user: orthanc.user, password: orthanc.password });

beforeAll(async () => {
  orthanc = await startOrthanc();
  files = await lidcFiles();
  const all = Object.values(files).flat();
  expect(await orthanc.upload(all)).toBe(all.length);
  client = await DicomWebClient.open({ url: orthanc.dicomWeb, auth: auth() });
}, 60_000);
const temps: string[] = [];
async function temp(prefix: string): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), prefix));
  temps.push(d);
  return d;
}
afterAll(async () => {
  await orthanc?.stop();
  await Promise.all(temps.map((d) => rm(d, { recursive: true, force: true })));
});

async function seriesOf(patient: string) {
  const [s] = await client.searchSeries({ patientId: patient, modality: 'CT' });
  if (!s) throw new Error(`no series for ${patient}`);
  return s;
}

describe('QIDO-RS search', () => {
  it('finds studies by patient ID, date range, modality and accession, and series with their instance counts', async () => {
    const all = await client.searchStudies({});
    expect(all.map((s) => s.patientId).sort()).toEqual(['LIDC-IDRI-0001', 'LIDC-IDRI-0002', 'LIDC-IDRI-0003']);
    const one = await client.searchStudies({ patientId: 'LIDC-IDRI-0002' });
    expect(one).toHaveLength(1);
    expect(one[0]).toMatchObject({ patientId: 'LIDC-IDRI-0002', seriesCount: 1, modalities: ['CT'] });
    // (The de-identified LIDC studies share one accession number.)
    expect(await client.searchStudies({ accessionNumber: '2819497684894126' })).toHaveLength(3);
    expect(await client.searchStudies({ accessionNumber: '1234' })).toHaveLength(0);
    expect(await client.searchStudies({ since: '2000-01-01', until: '2000-01-01' })).toHaveLength(3);
    expect(await client.searchStudies({ since: '2001-01-01' })).toHaveLength(0);
    expect(await client.searchStudies({ modality: 'MR' })).toHaveLength(0);
    expect(await client.searchStudies({ patientName: 'NOBODY*' })).toHaveLength(0);
    const series = await client.searchSeries({ modality: 'CT' });
    expect(series.map((s) => [s.patientId, s.instanceCount]).sort()).toEqual([['LIDC-IDRI-0001', 16], ['LIDC-IDRI-0002', 12], ['LIDC-IDRI-0003', 11]]);
    const inStudy = await client.searchSeries({ studyInstanceUID: one[0]!.studyInstanceUID });
    expect(inStudy).toHaveLength(1);
    expect(() => client.searchStudies({ since: '2000-13-01' })).rejects.toThrow(/since must be a date YYYY-MM-DD/);
  });
});

describe('WADO-RS retrieve and the cache', () => {
  it('retrieves a whole series with progress; a second retrieve downloads nothing; a changed or missing instance alone is fetched again', async () => {
    const s = await seriesOf('LIDC-IDRI-0002');
    const cache = new SeriesCache({ root: await temp('s3a-cache-') });
    const progress: number[] = [];
    const first = await cache.retrieveSeries(client, s.studyInstanceUID, s.seriesInstanceUID, { onProgress: (p) => progress.push(p.done) });
    expect(first).toMatchObject({ downloaded: 12, fromCache: 0 });
    expect(first.files).toHaveLength(12);
    expect(progress.at(-1)).toBe(12);
    expect(progress.length).toBeGreaterThanOrEqual(12);
    // What arrived is the series the indexer knows: same SOP instances as the source files, same pixels.
    const got = await indexPaths(first.files);
    const source = await indexPaths(files['LIDC-IDRI-0002']!);
    expect(got.skipped).toEqual([]);
    expect(got.series[0]!.slices.map((x) => x.sopInstanceUID)).toEqual(source.series[0]!.slices.map((x) => x.sopInstanceUID));
    const [a, b] = await Promise.all([loadSeries(got.series[0]!), loadSeries(source.series[0]!)]);
    expect(a.slices[5]!.hu).toEqual(b.slices[5]!.hu);

    const mtimes = await Promise.all(first.files.map(async (f) => (await stat(f)).mtimeMs));
    const second = await cache.retrieveSeries(client, s.studyInstanceUID, s.seriesInstanceUID);
    expect(second).toMatchObject({ downloaded: 0, fromCache: 12, bytes: 0 });
    expect(await Promise.all(second.files.map(async (f) => (await stat(f)).mtimeMs))).toEqual(mtimes);

    // An instance whose cached version no longer matches the server's metadata (its digest), and one that is gone.
    const [f0, f1] = first.files as [string, string];
    await rename(f0, f0.replace(/\.[0-9a-f]{16}\.dcm$/, '.0000000000000000.dcm'));
    await rm(f1);
    const third = await cache.retrieveSeries(client, s.studyInstanceUID, s.seriesInstanceUID);
    expect(third).toMatchObject({ downloaded: 2, fromCache: 10 });
    expect((await readdir(join(cache.root, s.seriesInstanceUID))).filter((n) => n.endsWith('.dcm'))).toHaveLength(12);
  });

  it('keeps the cache within its size bound, the least recently retrieved series going first', async () => {
    const cache = new SeriesCache({ root: await temp('s3a-cache-'), maxBytes: 14 * 1024 * 1024 });
    const [s1, s2] = [await seriesOf('LIDC-IDRI-0001'), await seriesOf('LIDC-IDRI-0002')];
    await cache.retrieveSeries(client, s1.studyInstanceUID, s1.seriesInstanceUID); // 16 × 0.5 MB
    await cache.retrieveSeries(client, s2.studyInstanceUID, s2.seriesInstanceUID); // 12 × 0.5 MB: over the bound
    expect((await readdir(cache.root)).sort()).toEqual([s2.seriesInstanceUID]);
  });

  it('a series cut short is an error naming server and series, never handed on as whole; the next retrieve resumes', async () => {
    const s = await seriesOf('LIDC-IDRI-0003');
    const missingSop = (await client.listInstances(s.studyInstanceUID, s.seriesInstanceUID))[4]!.sopInstanceUID;
    const proxy = await startProxy(orthanc.dicomWeb, (req, res) => {
      if (req.url?.includes(`/instances/${missingSop}`)) {
        res.writeHead(404).end();
        return 'handled';
      }
      // The series stream breaks off after about 2.5 instances.
      return /\/series\/[0-9.]+$/.test(req.url ?? '') ? { cutAfterBytes: 1_300_000 } : 'forward';
    });
    try {
      const flaky = await DicomWebClient.open({ url: proxy.url, auth: auth() });
      const cache = new SeriesCache({ root: await temp('s3a-cache-') });
      const err = await cache.retrieveSeries(flaky, s.studyInstanceUID, s.seriesInstanceUID).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PacsError);
      expect((err as PacsError).message).toContain(proxy.url.replace(/\/dicom-web$/, ''));
      expect((err as PacsError).message).toContain(`series ${s.seriesInstanceUID}`);
      expect((err as PacsError).message).toMatch(/HTTP 404/);
      const kept = (await readdir(join(cache.root, s.seriesInstanceUID))).filter((n) => n.endsWith('.dcm'));
      expect(kept).toHaveLength(10); // every other instance arrived (stream, then one by one)
      expect(kept.some((n) => n.startsWith(missingSop))).toBe(false);
      proxy.rule = () => 'forward';
      const again = await cache.retrieveSeries(flaky, s.studyInstanceUID, s.seriesInstanceUID);
      expect(again).toMatchObject({ downloaded: 1, fromCache: 10 });
    } finally {
      await proxy.close();
    }
  });
});

describe('STOW-RS of a SEG', () => {
  it('stores a SEG that references its source series, then says already present; read back it is the same mask', async () => {
    const s = await seriesOf('LIDC-IDRI-0002');
    const cache = new SeriesCache({ root: await temp('s3a-cache-') });
    const got = await cache.retrieveSeries(client, s.studyInstanceUID, s.seriesInstanceUID);
    const index = (await indexPaths(got.files)).series[0]!;
    const loaded = await loadSeries(index);
    // A real mask of this series: air inside the slice (HU < −400), as one label.
    const masks = loaded.slices.map((sl) => Uint8Array.from(sl.hu, (v) => (v < -400 ? 1 : 0)));
    const uids = segIdentity(s.seriesInstanceUID, { test: 'stow', size: 64 });
    const seg = buildSeg(index, volumeFromLabelMaps(512, 512, masks, 'Air'), { uids });
    expect(seg.sopInstanceUID).toBe(uids.sopInstanceUID);
    const dir = await temp('s3a-seg-');
    const path = join(dir, 'air.seg.dcm');
    await writeFile(path, seg.bytes);
    const meta = await readSegFile(path);
    expect(meta).toMatchObject({ studyInstanceUID: s.studyInstanceUID, referencedSeriesInstanceUID: s.seriesInstanceUID, seriesInstanceUID: uids.seriesInstanceUID });

    expect(await pushSeg(client, path)).toMatchObject({ status: 'stored', sopInstanceUID: uids.sopInstanceUID });
    expect(await pushSeg(client, path)).toMatchObject({ status: 'already-present' });
    const segSeries = await client.searchSeries({ studyInstanceUID: s.studyInstanceUID, modality: 'SEG' });
    expect(segSeries.map((x) => x.seriesInstanceUID)).toEqual([uids.seriesInstanceUID]);

    const parts: Buffer[] = [];
    await client.retrieve(s.studyInstanceUID, uids.seriesInstanceUID, async (p) => void parts.push(p.body));
    expect(parts).toHaveLength(1);
    const back = await importSeg(new Uint8Array(parts[0]!), index, 'from Orthanc');
    expect(back.slices).toHaveLength(12);
    back.slices.forEach((m, k) => expect(Buffer.from(m).equals(Buffer.from(masks[k]!))).toBe(true));
  });

  it('a store the server refuses is an outcome with the reason and where the SEG stays', async () => {
    const dir = await temp('s3a-seg-');
    const path = join(dir, 'refused.seg.dcm');
    const s = await seriesOf('LIDC-IDRI-0001');
    const index = (await indexPaths(files['LIDC-IDRI-0001']!)).series[0]!;
    const seg = buildSeg(index, volumeFromLabelMaps(512, 512, index.slices.map(() => new Uint8Array(512 * 512).fill(1))), { uids: segIdentity(s.seriesInstanceUID, { test: 'refused' }) });
    await writeFile(path, seg.bytes);
    const proxy = await startProxy(orthanc.dicomWeb, (req, res) => {
      if (req.method !== 'POST') return 'forward';
      req.resume();
      res.writeHead(409, { 'content-type': 'application/dicom+json' }).end(JSON.stringify({
        '00081198': { vr: 'SQ', Value: [{ '00081155': { vr: 'UI', Value: [seg.sopInstanceUID] }, '00081197': { vr: 'US', Value: [0xa700] } }] },
      }));
      return 'handled';
    });
    try {
      const outcome = await pushSeg(await DicomWebClient.open({ url: proxy.url, auth: auth() }), path);
      expect(outcome).toMatchObject({ status: 'refused', path });
      expect(outcome.status === 'refused' && outcome.reason).toMatch(/out of resources.*0xa700.*HTTP 409/);
      expect(await readFile(path)).toEqual(Buffer.from(seg.bytes));
    } finally {
      await proxy.close();
    }
  });
});

describe('a PACS that refuses, is down, stalls or answers nonsense', () => {
  it('401 without or with wrong credentials, naming the server', async () => {
    for (const a of [undefined, { kind: 'basic' as const, user: orthanc.user, password: 'wrong' }]) {
      const c = await DicomWebClient.open({ url: orthanc.dicomWeb, ...(a ? { auth: a } : {}) });
      const err = await c.searchStudies({}).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PacsError);
      expect(err).toMatchObject({ kind: 'auth', status: 401 });
      expect((err as Error).message).toContain(`PACS ${orthanc.dicomWeb}`);
    }
  });

  it('a bearer token reaches the server as Authorization: Bearer', async () => {
    const token = randomBytes(16).toString('hex');
    const basic = `Basic ${Buffer.from(`${orthanc.user}:${orthanc.password}`).toString('base64')}`;
    // A gateway that accepts the token and speaks basic auth to Orthanc (which has no bearer tokens itself).
    const gateway = await startProxy(orthanc.dicomWeb, (req, res) => {
      if (req.headers.authorization !== `Bearer ${token}`) {
        res.writeHead(401).end();
        return 'handled';
      }
      return { headers: { authorization: basic } };
    });
    try {
      const ok = await DicomWebClient.open({ url: gateway.url, auth: { kind: 'bearer', token } });
      expect(await ok.searchStudies({ patientId: 'LIDC-IDRI-0001' })).toHaveLength(1);
      const bad = await DicomWebClient.open({ url: gateway.url, auth: { kind: 'bearer', token: 'nope' } });
      await expect(bad.searchStudies({})).rejects.toMatchObject({ kind: 'auth', status: 401 });
    } finally {
      await gateway.close();
    }
  });

  it('a server that is down, one that stalls, and answers that are not DICOM JSON or not multipart', async () => {
    const down = await DicomWebClient.open({ url: `http://127.0.0.1:${await freePort()}/dicom-web` });
    await expect(down.searchStudies({})).rejects.toThrow(/PACS http:\/\/127\.0\.0\.1:\d+\/dicom-web: connection refused/);
    const s = await seriesOf('LIDC-IDRI-0001');
    const proxy = await startProxy(orthanc.dicomWeb, (req, res) => {
      if (req.url?.startsWith('/dicom-web/studies?')) {
        res.writeHead(200, { 'content-type': 'application/dicom+json' }).end('{"not": "a list"');
        return 'handled';
      }
      if (req.url?.startsWith('/dicom-web/series?')) {
        res.writeHead(200, { 'content-type': 'application/dicom+json' }).end(JSON.stringify([{ hello: 1 }]));
        return 'handled';
      }
      if (req.url?.endsWith('/metadata')) return 'forward';
      if (req.url?.includes('/instances?')) return 'handled'; // stalls: never answers
      if (req.url?.includes('/series/')) {
        res.writeHead(200, { 'content-type': 'text/html' }).end('<html>login</html>');
        return 'handled';
      }
      return 'forward';
    });
    try {
      const c = await DicomWebClient.open({ url: proxy.url, auth: auth(), timeoutMs: 500 });
      await expect(c.searchStudies({})).rejects.toMatchObject({ kind: 'malformed', message: expect.stringMatching(/study search: the answer is not JSON/) });
      await expect(c.searchSeries({})).rejects.toMatchObject({ kind: 'malformed', message: expect.stringMatching(/not a DICOM JSON list/) });
      const cache = new SeriesCache({ root: await temp('s3a-cache-') });
      await expect(cache.retrieveSeries(c, s.studyInstanceUID, s.seriesInstanceUID)).rejects.toMatchObject({
        kind: 'malformed', series: s.seriesInstanceUID, message: expect.stringMatching(/expected multipart\/related, got text\/html/),
      });
      const started = Date.now();
      await expect(c.hasInstance(s.studyInstanceUID, s.seriesInstanceUID, '1.2.3')).rejects.toMatchObject({ kind: 'timeout', message: expect.stringMatching(/no answer within 1 s/) });
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await proxy.close();
    }
  });
});

describe('multipart and secrets', () => {
  it('reads parts split across any chunking, and says where a body ends early', async () => {
    const body = Buffer.from('--b\r\nContent-Type: application/dicom\r\n\r\nfirst\r\n--b\r\nContent-Type: application/dicom\r\n\r\nsecond part\r\n--b--\r\n');
    for (const size of [1, 3, 7, 1000]) {
      const chunks = Array.from({ length: Math.ceil(body.length / size) }, (_, i) => body.subarray(i * size, (i + 1) * size));
      const got: string[] = [];
      for await (const p of readMultipart((async function* () { yield* chunks; })(), 'b')) got.push(p.body.toString());
      expect(got).toEqual(['first', 'second part']);
    }
    expect(boundaryOf('multipart/related; type="application/dicom"; boundary="x y"')).toBe('x y');
    const cut = body.subarray(0, 70);
    const got: string[] = [];
    await expect((async () => {
      for await (const p of readMultipart((async function* () { yield cut; })(), 'b')) got.push(p.body.toString());
    })()).rejects.toThrow(/ended before the closing boundary \(after 1 complete part\)/);
    expect(got).toEqual(['first']);
  });

  it('secrets are kept encrypted by the keychain, or in memory only — never in clear on disk', async () => {
    const key = randomBytes(32);
    // A real cipher standing in for Electron's safeStorage (AES-256-GCM).
    const cipher: SecretCipher = {
      isEncryptionAvailable: () => true,
      encryptString(plain) {
        const iv = randomBytes(12);
        const c = createCipheriv('aes-256-gcm', key, iv);
        const enc = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
        return Buffer.concat([iv, c.getAuthTag(), enc]);
      },
      decryptString(b) {
        const d = createDecipheriv('aes-256-gcm', key, b.subarray(0, 12));
        d.setAuthTag(b.subarray(12, 28));
        return Buffer.concat([d.update(b.subarray(28)), d.final()]).toString('utf8');
      },
    };
    const file = join(await temp('s3a-secrets-'), 'pacs-secrets.json');
    const store = keychainSecretStore(file, cipher);
    await store.set('pacs:http://x', 'hunter2-secret');
    expect(await store.get('pacs:http://x')).toBe('hunter2-secret');
    expect((await readFile(file, 'utf8')).includes('hunter2')).toBe(false);
    expect(store.persistent).toBe(true);
    const fallback = keychainSecretStore(join(tmpdir(), 'never-written.json'), { ...cipher, isEncryptionAvailable: () => false });
    expect(fallback.persistent).toBe(false);
    await fallback.set('k', 'v');
    expect(await fallback.get('k')).toBe('v');
    await expect(stat(join(tmpdir(), 'never-written.json'))).rejects.toThrow();
    expect(memorySecretStore().persistent).toBe(false);
  });
});
