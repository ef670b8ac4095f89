// IPC for PACS: a server is configured once (its secret kept in main), then named by an id — never a URL or path.
import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  configureRequest, exportChannels, listSeriesRequest, pacsChannels, retrieveRequest, searchStudiesRequest, sendRequest,
  type Configured, type PacsSeriesRow, type PacsStudyRow, type SendOutcome, type StudyIndex,
} from '../contracts';
import { DicomWebClient, PacsError, SeriesCache, pushSeg, type PacsAuth, type SecretStore } from '../services/pacs/index';
import { handle, IpcError, type HandlerTable } from './handler';
import type { IpcDeps } from './deps';
import { exportHandlers } from './export';

export interface PacsDeps {
  /** Retrieved series (size-bounded, see SeriesCache). */
  readonly cacheRoot: string;
  readonly cacheMaxBytes?: number;
  /** SEGs made for sending: kept, so a refused one can be found and a repeated send is recognised. */
  readonly outbox: string;
  /** The keychain (Electron safeStorage) in the app; memory only where none is available. */
  readonly secrets: SecretStore;
}

interface Server { readonly url: string; readonly kind: PacsAuth['kind']; readonly user?: string }

export function pacsHandlers(deps: IpcDeps, pacs: PacsDeps): HandlerTable {
  const servers = new Map<string, Server>();
  const cache = new SeriesCache({ root: pacs.cacheRoot, ...(pacs.cacheMaxBytes ? { maxBytes: pacs.cacheMaxBytes } : {}) });
  const exportRun = exportHandlers(deps)[exportChannels.run]!;

  const client = async (serverId: string): Promise<DicomWebClient> => {
    const s = servers.get(serverId);
    if (!s) throw new IpcError('not-found', 'unknown PACS server: configure it first');
    const secret = s.kind === 'none' ? '' : await pacs.secrets.get(`pacs:${serverId}`);
    if (s.kind !== 'none' && secret === undefined) throw new IpcError('unavailable', 'the PACS credentials are no longer available: enter them again');
    const auth: PacsAuth = s.kind === 'basic' ? { kind: 'basic', user: s.user ?? '', password: secret ?? '' } : s.kind === 'bearer' ? { kind: 'bearer', token: secret ?? '' } : { kind: 'none' };
    return DicomWebClient.open({ url: s.url, auth });
  };
  const pacsFailure = (err: unknown): never => {
    if (err instanceof PacsError) throw new IpcError(err.kind === 'auth' ? 'unavailable' : err.kind === 'config' ? 'invalid' : 'failed', err.message);
    throw err;
  };

  return {
    [pacsChannels.configure]: handle(configureRequest, async ({ url, auth }): Promise<Configured> => {
      const serverId = randomUUID();
      const c = await DicomWebClient.open({ url, auth }).catch(pacsFailure);
      if (auth.kind !== 'none') await pacs.secrets.set(`pacs:${serverId}`, auth.kind === 'basic' ? auth.password : auth.token);
      servers.set(serverId, { url, kind: auth.kind, ...(auth.kind === 'basic' ? { user: auth.user } : {}) });
      return { serverId, server: c.server, persistent: pacs.secrets.persistent };
    }),
    [pacsChannels.searchStudies]: handle(searchStudiesRequest, async ({ serverId, ...q }): Promise<PacsStudyRow[]> => {
      const found = await (await client(serverId)).searchStudies(q).catch(pacsFailure);
      return found.map(({ accessionNumber: _a, ...row }) => row);
    }),
    [pacsChannels.listSeries]: handle(listSeriesRequest, async ({ serverId, studyInstanceUID }): Promise<PacsSeriesRow[]> => {
      const found = await (await client(serverId)).searchSeries({ studyInstanceUID }).catch(pacsFailure);
      return found.map((s) => ({ seriesInstanceUID: s.seriesInstanceUID, modality: s.modality, description: s.description, instanceCount: s.instanceCount }));
    }),
    [pacsChannels.retrieve]: handle(retrieveRequest, async ({ serverId, studyInstanceUID, seriesInstanceUIDs }): Promise<StudyIndex> => {
      const c = await client(serverId);
      const folders: string[] = [];
      for (const series of seriesInstanceUIDs) {
        await cache.retrieveSeries(c, studyInstanceUID, series, {
          onProgress: (p) => deps.events.send(pacsChannels.progress, { series: p.series, done: p.done, total: p.total, fromCache: p.fromCache }),
        }).catch(pacsFailure);
        folders.push(join(cache.root, series));
      }
      return deps.library.open(folders);
    }),
    [pacsChannels.send]: handle(sendRequest, async ({ serverId, studyKey, itemIds }): Promise<SendOutcome[]> => {
      const c = await client(serverId);
      await deps.store.flush();
      const outcomes: SendOutcome[] = [];
      const seriesFirstItems = [...new Map(itemIds.map((id) => [deps.library.seriesOf(studyKey, id)[0] as string, id])).values()];
      for (const itemId of seriesFirstItems) {
        const ids = deps.library.seriesOf(studyKey, itemId);
        const src = deps.library.source(studyKey, itemId);
        if (src.kind !== 'slice') throw new IpcError('invalid', 'only DICOM series can be sent to a PACS');
        // The same masks sent again reuse the SEG made the first time (same UIDs), so the server can say it has it.
        const h = createHash('sha256').update(src.seriesUid);
        for (const id of ids) h.update(id).update((await deps.store.readMask(studyKey, id))?.mask ?? new Uint8Array(0));
        const keptAt = join(pacs.outbox, `${src.seriesUid}.${h.digest('hex').slice(0, 16)}.seg.dcm`);
        if (!existsSync(keptAt)) {
          await mkdir(pacs.outbox, { recursive: true });
          const tmp = await mkdtemp(join(pacs.outbox, '.export-'));
          // Main's own folder: the export capability check lets it through (the renderer never names it).
          deps.capabilities?.grantDestination(tmp);
          try {
            const r = await exportRun({ studyKey, format: 'seg', destination: tmp, itemIds: ids, overwrite: false });
            if (!r.ok) throw new IpcError(r.error.code, r.error.message);
            const [file] = (r.value as { files: string[] }).files;
            if (!file) throw new IpcError('failed', 'the SEG export wrote nothing');
            await rename(file, keptAt);
          } finally {
            await rm(tmp, { recursive: true, force: true });
          }
        }
        const o = await pushSeg(c, keptAt).catch(pacsFailure);
        outcomes.push({ series: src.seriesUid, status: o.status, keptAt, ...(o.status === 'refused' ? { reason: o.reason } : {}) });
      }
      return outcomes;
    }),
  };
}
