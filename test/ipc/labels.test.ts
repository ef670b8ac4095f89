// The viewer's IPC additions on LIDC-IDRI-0001: slice geometry in the index, and S3-Net's cluster map at native size.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIpc, type IpcHost } from '../../main/ipc';
import { SessionStore } from '../../main/services/session/store';
import { StudyLibrary } from '../../main/services/library/library';
import { createProvider } from '../../main/services/library/provider';
import { inlineDecoder } from '../../main/services/library/decode-pool';
import type { ClusterMap, ItemData, Result, StudyIndex } from '../../main/contracts';

const DATA = resolve(import.meta.dirname, '../../../shared/data');
let dir: string;
let ipc: IpcHost;
let store: SessionStore;

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
  dir = await mkdtemp(join(tmpdir(), 's3-ipc-labels-'));
  store = new SessionStore(join(dir, 'data'));
  ipc = createIpc({
    library: new StudyLibrary(createProvider(inlineDecoder().decode)),
    store,
    dialogs: { chooseOpen: async () => null, chooseExportFolder: async () => null },
    events: { send: () => undefined },
    segmenter: async () => {
      throw new Error('not used here');
    },
  });
});
afterAll(async () => {
  await ipc.close();
  await rm(dir, { recursive: true, force: true });
});

describe('viewer IPC', () => {
  it('lists each slice with its ImagePositionPatient and the series with its ImageOrientationPatient', async () => {
    const index = value(await call<StudyIndex>('study:open', { paths: [join(DATA, 'ct/lidc/LIDC-IDRI-0001')] }));
    const se = index.patients[0]?.studies[0]?.series[0];
    expect(se?.orientation).toEqual([1, 0, 0, 0, 1, 0]);
    expect(se?.items.every((i) => i.patientPosition?.length === 3 && i.patientPosition[2] === i.position)).toBe(true);
    const item = value(await call<ItemData>('study:item', { studyKey: index.studyKey, itemId: se?.items[0]?.itemId }));
    expect(item.kind === 'slice' && [item.spacingKnown, item.spacing[0] > 0.5 && item.spacing[0] < 1]).toEqual([true, true]);
  });

  it('returns the cluster map at the slice size once labels are saved, null before, and refuses bad requests', async () => {
    const index = value(await call<StudyIndex>('study:open', { paths: [join(DATA, 'ct/lidc/LIDC-IDRI-0001')] }));
    const itemId = index.patients[0]?.studies[0]?.series[0]?.items[3]?.itemId ?? '';
    expect(value(await call<ClusterMap | null>('segment:labels', { studyKey: index.studyKey, itemId }))).toBeNull();
    // A 64×64 map with three clusters in vertical bands, as a run would save it.
    const size = 64;
    const labels = Uint8Array.from({ length: size * size }, (_, i) => Math.min(2, Math.floor((i % size) / 22)) * 7);
    await store.saveLabels(index.studyKey, itemId, size, labels);
    const map = value(await call<ClusterMap | null>('segment:labels', { studyKey: index.studyKey, itemId }));
    expect(map && [map.width, map.height, map.labels.length, map.clusters]).toEqual([512, 512, 512 * 512, 3]);
    expect(map?.labels[100 * 512 + 10]).toBe(0);
    expect(map?.labels[100 * 512 + 256]).toBe(7);
    expect(map?.labels[400 * 512 + 500]).toBe(14);
    const bad = await call('segment:labels', { studyKey: index.studyKey });
    expect(bad.ok ? '' : bad.error.code).toBe('invalid');
    const missing = await call('segment:labels', { studyKey: index.studyKey, itemId: '/etc/passwd#0' });
    expect(missing.ok ? '' : missing.error.code).toBe('not-found');
  });
});
