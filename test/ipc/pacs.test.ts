// The PACS feature as the renderer meets it, against a real Orthanc: configure (the secret stays in main), search,
// retrieve with progress into an open study, send the edited masks as a SEG (stored, then already present, or refused).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createIpc, type IpcHost } from '../../main/ipc';
import { SessionStore } from '../../main/services/session/store';
import { StudyLibrary } from '../../main/services/library/library';
import { createProvider } from '../../main/services/library/provider';
import { inlineDecoder } from '../../main/services/library/decode-pool';
import { memorySecretStore } from '../../main/services/pacs';
import type { Configured, PacsProgress, PacsSeriesRow, PacsStudyRow, Result, SendOutcome, StudyIndex } from '../../main/contracts';
import { lidcFiles, startOrthanc, type Orthanc } from '../helpers/servers';
import { startProxy } from '../helpers/proxy';

let orthanc: Orthanc;
let ipc: IpcHost;
let dir: string;
const events: Array<[string, unknown]> = [];
const secrets = memorySecretStore();

const call = async <T>(channel: string, payload: unknown): Promise<Result<T>> => (await ipc.handlers[channel]!(payload)) as Result<T>;
const value = <T>(r: Result<T>): T => {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
};

beforeAll(async () => {
  orthanc = await startOrthanc();
  await orthanc.upload((await lidcFiles())['LIDC-IDRI-0003']!);
  dir = await mkdtemp(join(tmpdir(), 's3a-ipc-pacs-'));
  ipc = createIpc({
    library: new StudyLibrary(createProvider(inlineDecoder().decode)),
    store: new SessionStore(join(dir, 'data')),
    dialogs: { chooseOpen: async () => null, chooseExportFolder: async () => null },
    events: { send: (c, p) => void events.push([c, p]) },
    segmenter: async () => {
      throw new Error('not used here');
    },
    pacs: { cacheRoot: join(dir, 'cache'), outbox: join(dir, 'outbox'), secrets },
  });
}, 60_000);
afterAll(async () => {
  await ipc?.close();
  await orthanc?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('pacs IPC', () => {
  it('configure → search → series → retrieve (progress) → edit → send: stored, then already present', async () => {
    const conf = value(await call<Configured>('pacs:configure', { url: orthanc.dicomWeb, auth: { kind: 'basic', user: orthanc.user, password: orthanc.password } }));
    expect(conf).toMatchObject({ server: orthanc.dicomWeb, persistent: false });
    expect(JSON.stringify(conf)).not.toContain(orthanc.password);
    expect(await secrets.get(`pacs:${conf.serverId}`)).toBe(orthanc.password);

    const studies = value(await call<PacsStudyRow[]>('pacs:search-studies', { serverId: conf.serverId, patientId: 'LIDC-IDRI-0003', modality: 'CT' }));
    expect(studies).toHaveLength(1);
    expect(studies[0]).toMatchObject({ patientId: 'LIDC-IDRI-0003', studyDate: '20000101', modalities: ['CT'], seriesCount: 1 });
    const series = value(await call<PacsSeriesRow[]>('pacs:list-series', { serverId: conf.serverId, studyInstanceUID: studies[0]!.studyInstanceUID }));
    expect(series).toEqual([expect.objectContaining({ modality: 'CT', instanceCount: 11 })]);

    const index = value(await call<StudyIndex>('pacs:retrieve', { serverId: conf.serverId, studyInstanceUID: studies[0]!.studyInstanceUID, seriesInstanceUIDs: [series[0]!.seriesInstanceUID] }));
    const items = index.patients[0]!.studies[0]!.series[0]!.items;
    expect(items).toHaveLength(11);
    const progress = events.filter(([c]) => c === 'pacs:progress').map(([, p]) => p as PacsProgress);
    expect(progress.at(-1)).toMatchObject({ done: 11, total: 11 });

    const mask = new Uint8Array(512 * 512).fill(1, 200 * 512, 260 * 512);
    value(await call('session:save-mask', { studyKey: index.studyKey, itemId: items[4]!.itemId, width: 512, height: 512, mask }));
    // What goes to the PACS is what was reviewed, as for any export: the edited slice is accepted first.
    value(await call('session:set-status', { studyKey: index.studyKey, itemId: items[4]!.itemId, status: 'accepted' }));
    const request = { serverId: conf.serverId, studyKey: index.studyKey, itemIds: [items[4]!.itemId] };
    const [sent] = value(await call<SendOutcome[]>('pacs:send', request));
    expect(sent).toMatchObject({ series: series[0]!.seriesInstanceUID, status: 'stored' });
    expect(existsSync(sent!.keptAt)).toBe(true);
    expect(value(await call<SendOutcome[]>('pacs:send', request))[0]).toMatchObject({ status: 'already-present', keptAt: sent!.keptAt });

    // A server that refuses: the outcome carries its reason, and the SEG stays in the outbox.
    const proxy = await startProxy(orthanc.dicomWeb, (req, res) => {
      if (req.method !== 'POST') return req.url?.includes('SOPInstanceUID') ? (res.writeHead(200, { 'content-type': 'application/dicom+json' }).end('[]'), 'handled') : 'forward';
      req.resume();
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ Message: 'Bad file format' }));
      return 'handled';
    });
    try {
      const other = value(await call<Configured>('pacs:configure', { url: proxy.url, auth: { kind: 'basic', user: orthanc.user, password: orthanc.password } }));
      const [refused] = value(await call<SendOutcome[]>('pacs:send', { ...request, serverId: other.serverId }));
      expect(refused).toMatchObject({ status: 'refused', reason: expect.stringMatching(/HTTP 400.*Bad file format/), keptAt: sent!.keptAt });
      expect(existsSync(refused!.keptAt)).toBe(true);
    } finally {
      await proxy.close();
    }
  });

  it('validates payloads and reports unknown servers and wrong credentials as values', async () => {
    const bad = await call('pacs:configure', { url: 'file:///etc/passwd', auth: { kind: 'none' } });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error.code).toBe('invalid');
    const unknown = await call('pacs:search-studies', { serverId: 'nope' });
    expect(unknown.ok === false && unknown.error.code).toBe('not-found');
    const injected = await call('pacs:list-series', { serverId: 'x', studyInstanceUID: '../../etc' });
    expect(injected.ok === false && injected.error.code).toBe('invalid');
    const conf = value(await call<Configured>('pacs:configure', { url: orthanc.dicomWeb, auth: { kind: 'basic', user: orthanc.user, password: 'wrong' } }));
    const denied = await call('pacs:search-studies', { serverId: conf.serverId });
    expect(denied.ok).toBe(false);
    if (!denied.ok) {
      expect(denied.error.code).toBe('unavailable');
      expect(denied.error.message).toMatch(new RegExp(`PACS ${orthanc.dicomWeb.replace(/[/.]/g, '\\$&')}: study search: HTTP 401`));
    }
  });
});
