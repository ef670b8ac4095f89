// The session store: the last of many rapid writes wins, files are never partial, state survives a new process.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionStore } from '../../main/services/session/store';

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
      writes.push(store.setStatus('study', 'item', k % 2 ? 'corrected' : 'accepted'));
    }
    await Promise.all(writes);
    const fresh = new SessionStore(dir);
    const saved = await fresh.readMask('study', 'item');
    expect(saved?.mask.subarray(0, 2000).every((v) => v === 1)).toBe(true);
    expect((await fresh.load('study')).statuses.item).toBe('accepted');
    const names = (await readdir(join(dir, 'studies'), { recursive: true })).map(String);
    expect(names.filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('keeps the ten most recent studies, newest first, without duplicates', async () => {
    const store = new SessionStore(dir);
    for (let k = 0; k < 12; k++) await store.addRecent(`s${k}`, [`/data/s${k}`]);
    await store.addRecent('s3', ['/data/s3']);
    const recent = await store.recent();
    expect(recent.map((r) => r.title)).toEqual(['s3', 's11', 's10', 's9', 's8', 's7', 's6', 's5', 's4', 's2']);
  });
});
