// The IPC layer as the renderer meets it: validation, Result values, real services behind it, no silent overwrite.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIpc, type IpcHost } from '../../main/ipc';
import { SessionStore } from '../../main/services/session/store';
import { StudyLibrary } from '../../main/services/library/library';
import { createProvider } from '../../main/services/library/provider';
import { inlineDecoder } from '../../main/services/library/decode-pool';
import type { ItemData, Result, StudyIndex } from '../../main/contracts';

const DATA = resolve(import.meta.dirname, '../../../shared/data');
let dir: string;
let ipc: IpcHost;
const events: Array<[string, unknown]> = [];
const dialogs = { open: null as string[] | null, folder: null as string | null };

const call = async <T>(channel: string, payload: unknown): Promise<Result<T>> => {
  const h = ipc.handlers[channel];
  if (!h) throw new Error(`no handler ${channel}`);
  return (await h(payload)) as Result<T>;
};
const value = <T>(r: Result<T>): T => {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 's3-ipc-'));
  ipc = createIpc({
    library: new StudyLibrary(createProvider(inlineDecoder().decode)),
    store: new SessionStore(join(dir, 'data')),
    dialogs: { chooseOpen: async () => dialogs.open, chooseExportFolder: async () => dialogs.folder },
    events: { send: (c, p) => void events.push([c, p]) },
    segmenter: async () => {
      throw new Error('not used here');
    },
  });
});
afterAll(async () => {
  await ipc.close();
  await rm(dir, { recursive: true, force: true });
});

describe('IPC handlers', () => {
  it('rejects malformed payloads with an invalid Result instead of throwing', async () => {
    for (const [channel, payload] of [
      ['study:open', { paths: [] }],
      ['study:open', 'LIDC'],
      ['study:item', { studyKey: 'x' }],
      ['session:save-mask', { studyKey: 'k', itemId: 'i', width: 2, height: 2, mask: new Uint8Array(3) }],
      ['session:set-status', { studyKey: 'k', itemId: 'i', status: 'approved' }],
      ['export:run', { studyKey: 'k', format: 'jpeg', destination: '/tmp', itemIds: ['a'], overwrite: false }],
    ] as const) {
      const r = await call(channel, payload);
      expect(r.ok, channel).toBe(false);
      if (!r.ok) expect(r.error.code).toBe('invalid');
    }
  });

  it('opens a CT folder, serves only its items, and decodes slices to HU', async () => {
    const index = value(await call<StudyIndex>('study:open', { paths: [join(DATA, 'ct/lidc/LIDC-IDRI-0001')] }));
    const series = index.patients[0]?.studies[0]?.series[0];
    expect(series?.items).toHaveLength(16);
    const first = series?.items[0]?.itemId ?? '';
    const item = value(await call<ItemData>('study:item', { studyKey: index.studyKey, itemId: first }));
    expect(item.kind).toBe('slice');
    if (item.kind === 'slice') {
      expect(item.hu).toBeInstanceOf(Int16Array);
      expect(Math.min(...item.hu.subarray(0, 2000))).toBeLessThan(-900);
    }
    const outside = await call('study:item', { studyKey: index.studyKey, itemId: '/etc/passwd#0' });
    expect(outside.ok).toBe(false);
    if (!outside.ok) expect(outside.error.code).toBe('not-found');
    expect(value(await call<unknown[]>('study:recent', null)).length).toBe(1);
  });

  it('autosaves masks and statuses and exports without clobbering', async () => {
    const index = value(await call<StudyIndex>('study:open', { paths: [join(DATA, 'ct/lidc/LIDC-IDRI-0003')] }));
    const ids = index.patients[0]?.studies[0]?.series[0]?.items.map((i) => i.itemId) ?? [];
    const mask = new Uint8Array(512 * 512);
    mask.fill(1, 200 * 512, 260 * 512);
    value(await call('session:save-mask', { studyKey: index.studyKey, itemId: ids[3], width: 512, height: 512, mask }));
    value(await call('session:set-status', { studyKey: index.studyKey, itemId: ids[3], status: 'accepted' }));
    const state = value(await call<{ statuses: Record<string, string>; masks: string[] }>('session:load', { studyKey: index.studyKey }));
    expect(state.statuses[ids[3] ?? '']).toBe('accepted');
    expect(state.masks).toEqual([ids[3]]);
    const saved = value(await call<{ mask: Uint8Array }>('session:mask', { studyKey: index.studyKey, itemId: ids[3] }));
    expect(Buffer.compare(saved.mask, mask)).toBe(0);

    const out = join(dir, 'export');
    const request = { studyKey: index.studyKey, format: 'nifti', destination: out, itemIds: [ids[3]], overwrite: false };
    const files = value(await call<{ files: string[] }>('export:run', request)).files;
    expect(files[0]).toMatch(/\.nii\.gz$/);
    const again = await call('export:run', request);
    expect(again.ok).toBe(false);
    if (!again.ok) expect(again.error.code).toBe('exists');
    expect(value(await call<{ files: string[] }>('export:run', { ...request, overwrite: true })).files).toEqual(files);
  });

  it('asks for the export folder through the dialog and returns null on cancel', async () => {
    dialogs.folder = null;
    expect(value(await call('export:choose-destination', { format: 'png', suggestedName: 'x' }))).toBeNull();
    dialogs.folder = '/tmp/out';
    expect(value(await call('export:choose-destination', { format: 'png', suggestedName: 'x' }))).toBe('/tmp/out');
  });
});
