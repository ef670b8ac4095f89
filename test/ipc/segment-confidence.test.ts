// A finished S3-Net run through IPC: the result carries the proposal's confidence, and the session keeps it.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIpc, type IpcHost } from '../../main/ipc';
import { SessionStore } from '../../main/services/session/store';
import { StudyLibrary } from '../../main/services/library/library';
import { createProvider } from '../../main/services/library/provider';
import { inlineDecoder } from '../../main/services/library/decode-pool';
import type { Segmenter } from '../../main/services/session/queue';
import { jobResult, type JobResult, type Result, type SessionState, type StudyIndex } from '../../main/contracts';

const DATA = resolve(import.meta.dirname, '../../../shared/data');
const SIZE = 64;
let dir: string;
let ipc: IpcHost;
const results: JobResult[] = [];

/** Stands in for S3-Net: a dark disc (cluster 1) in the middle of a bright background (cluster 0). */
const fakeSegmenter: Segmenter = {
  segment: async () => {
    const labels = new Uint8Array(SIZE * SIZE);
    for (let y = 0; y < SIZE; y++) for (let x = 0; x < SIZE; x++) labels[y * SIZE + x] = (x - 32) ** 2 + (y - 32) ** 2 < 16 ** 2 ? 1 : 0;
    return { size: SIZE, labels, clusters: 2, iterations: 1, seconds: 0, backend: 'cpu', mode: 'default', stoppedBy: 'minLabels' };
  },
};

const call = async <T>(channel: string, payload: unknown): Promise<T> => {
  const r = (await ipc.handlers[channel]?.(payload)) as Result<T> | undefined;
  if (!r?.ok) throw new Error(`${channel}: ${r ? r.error.message : 'no handler'}`);
  return r.value;
};

async function runAndWait(studyKey: string, itemId: string): Promise<JobResult> {
  const before = results.length;
  await call('segment:run', { studyKey, itemIds: [itemId] });
  await expect.poll(() => results.length, { timeout: 30_000 }).toBe(before + 1);
  return results[before] as JobResult;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 's3-ipc-conf-'));
  ipc = createIpc({
    library: new StudyLibrary(createProvider(inlineDecoder().decode)),
    store: new SessionStore(join(dir, 'data')),
    dialogs: { chooseOpen: async () => null, chooseExportFolder: async () => null },
    events: { send: (c, p) => void (c === 'segment:result' && results.push(p as JobResult)) },
    segmenter: async () => fakeSegmenter,
  });
});
afterAll(async () => {
  await ipc.close();
  await rm(dir, { recursive: true, force: true });
});

describe('segment results', () => {
  it('send and save a 0..1 confidence with each proposal, and keep it out of reviewed items', async () => {
    const index = await call<StudyIndex>('study:open', { paths: [join(DATA, 'skin/ph2/images')] });
    const [first, second] = index.photos;
    if (!first || !second) throw new Error('PH2 fixture missing');
    const r = await runAndWait(index.studyKey, first.itemId);
    expect(jobResult.safeParse(r).success).toBe(true);
    expect(r.confidence).toBeGreaterThanOrEqual(0);
    expect(r.confidence).toBeLessThanOrEqual(1);
    let session = await call<SessionState>('session:load', { studyKey: index.studyKey });
    expect(session.statuses[first.itemId]).toBe('proposed');
    expect(session.confidences[first.itemId]).toBe(r.confidence);

    // A run on an item someone already accepted changes neither its status nor its confidence.
    // (Never run and nothing drawn: accepting it needs the user's "accept empty".)
    await call('session:set-status', { studyKey: index.studyKey, itemId: second.itemId, status: 'accepted', acceptEmpty: true });
    await runAndWait(index.studyKey, second.itemId);
    session = await call<SessionState>('session:load', { studyKey: index.studyKey });
    expect(session.statuses[second.itemId]).toBe('accepted');
    expect(session.confidences[second.itemId]).toBeUndefined();
  });
});
