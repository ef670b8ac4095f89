// The session store: the last of many rapid writes wins, files are never partial, state survives a new process.
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionStore } from '../../main/services/session/store';
import { fileKey } from '../../main/services/session/files';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 's3-store-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('SessionStore', () => {
  it('keeps the last of many overlapping writes and leaves no temp files', async () => {
    const store = new SessionStore(dir);
    const writes = [];
    for (let k = 1; k <= 40; k++) {
      writes.push(store.saveMask('study', 'item', 64, 64, new Uint8Array(64 * 64).fill(k % 3, 0, k * 50)));
      writes.push(store.setStatus('study', 'item', k % 2 ? 'corrected' : 'accepted', { acceptEmpty: true }));
    }
    await Promise.all(writes);
    const fresh = new SessionStore(dir);
    const saved = await fresh.readMask('study', 'item');
    expect(saved?.mask.subarray(0, 2000).every((v) => v === 1)).toBe(true);
    // Accepting an item after it was corrected keeps it corrected (accepted after edits).
    expect((await fresh.load('study')).statuses.item).toBe('corrected');
    const names = (await readdir(join(dir, 'studies'), { recursive: true })).map(String);
    expect(names.filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('saves the status and confidence of a proposal together, and a new process reads them back', async () => {
    const store = new SessionStore(dir);
    await store.setProposed('conf', 'a', 0.25);
    await store.setProposed('conf', 'b', 0.9);
    await store.setStatus('conf', 'b', 'accepted', { acceptEmpty: true });
    const fresh = await new SessionStore(dir).load('conf');
    expect(fresh.statuses).toEqual({ a: 'proposed', b: 'accepted' });
    expect(fresh.confidences).toEqual({ a: 0.25, b: 0.9 });
  });

  it('loads a session saved before confidences existed, with every confidence unknown', async () => {
    const old = { studyKey: 'old', statuses: { a: 'proposed', b: 'accepted' }, masks: ['a'], edited: [], view: { itemId: 'a', seriesUid: null, windowCenter: 40, windowWidth: 400 }, segments: [], updatedAt: '2026-01-01T00:00:00.000Z' };
    const studyDir = join(dir, 'studies', fileKey('old'));
    await mkdir(studyDir, { recursive: true });
    await writeFile(join(studyDir, 'session.json'), JSON.stringify(old));
    const store = new SessionStore(dir);
    const s = await store.load('old');
    expect(s.statuses).toEqual(old.statuses);
    expect(s.view).toEqual(old.view);
    expect(s.confidences).toEqual({});
    // The first new proposal adds confidences without losing what was there.
    await store.setProposed('old', 'c', 0.4);
    const saved = JSON.parse(await readFile(join(studyDir, 'session.json'), 'utf8')) as { statuses: object; confidences: object; masks: string[] };
    expect(saved.statuses).toEqual({ ...old.statuses, c: 'proposed' });
    expect(saved.confidences).toEqual({ c: 0.4 });
    expect(saved.masks).toEqual(['a']);
  });

  it('drops a damaged confidence record instead of the whole session', async () => {
    const studyDir = join(dir, 'studies', fileKey('damaged'));
    await mkdir(studyDir, { recursive: true });
    const damaged = { studyKey: 'damaged', statuses: { a: 'accepted' }, confidences: { a: 7 }, masks: [], view: { itemId: null, seriesUid: null, windowCenter: null, windowWidth: null }, updatedAt: '' };
    await writeFile(join(studyDir, 'session.json'), JSON.stringify(damaged));
    const s = await new SessionStore(dir).load('damaged');
    expect(s.statuses).toEqual({ a: 'accepted' });
    expect(s.confidences).toEqual({});
  });

  it('keeps the ten most recent studies, newest first, without duplicates', async () => {
    const store = new SessionStore(dir);
    for (let k = 0; k < 12; k++) await store.addRecent(`s${k}`, [`/data/s${k}`]);
    await store.addRecent('s3', ['/data/s3']);
    const recent = await store.recent();
    expect(recent.map((r) => r.title)).toEqual(['s3', 's11', 's10', 's9', 's8', 's7', 's6', 's5', 's4', 's2']);
  });
});
