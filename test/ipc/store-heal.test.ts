// The session store heals itself: damaged files are quarantined and recovered from .bak, bad entries are dropped alone,
// same-tick updates all survive, failed writes leave no temp file, stale temp files are swept at start.
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionStore, type StoreNotice } from '../../main/services/session/store';
import { fileKey } from '../../main/services/session/files';
import { REPO_ROOT } from '../helpers/data';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 's3-store-heal-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

const sessionFile = (root: string, key: string) => join(root, 'studies', fileKey(key), 'session.json');
const items = Array.from({ length: 20 }, (_, i) => `item-${i}`);

async function twentyStatuses(root: string, key: string): Promise<void> {
  const store = new SessionStore(root);
  // All in one tick: before, most of these were lost (each update started from the same stale state).
  await Promise.all(items.map((id, i) => store.setStatus(key, id, i % 2 ? 'accepted' : 'rejected', { acceptEmpty: true })));
}

describe('SessionStore self-healing', () => {
  it('same-tick updates are never lost: 20 statuses issued at once are all on disk', async () => {
    const root = join(dir, 'tick');
    await twentyStatuses(root, 'study');
    const back = await new SessionStore(root).load('study');
    expect(Object.keys(back.statuses).sort()).toEqual([...items].sort());
  });

  it('one damaged byte: the file is quarantined, the UI told, and the session recovered from .bak (20 statuses, not 1)', async () => {
    const root = join(dir, 'damaged');
    await twentyStatuses(root, 'study');
    const file = sessionFile(root, 'study');
    const bytes = await readFile(file);
    bytes[bytes.indexOf(0x3a)] = 0x3b; // one byte: the first ":" becomes ";"
    await writeFile(file, bytes);
    const notices: StoreNotice[] = [];
    const store = new SessionStore(root, { onNotice: (n) => notices.push(n) });
    const state = await store.load('study');
    expect(Object.keys(state.statuses)).toHaveLength(20);
    expect(notices.map((n) => n.kind)).toEqual(['quarantined', 'recovered']);
    expect(notices[0]?.message).toMatch(/session\.json: not valid JSON .*kept aside as .*session\.json\.corrupt-/);
    const names = await readdir(join(root, 'studies', fileKey('study')));
    expect(names.some((n) => n.startsWith('session.json.corrupt-'))).toBe(true);
    // The next edit writes a whole session again, and the damaged original is still there for a person to look at.
    await store.setStatus('study', 'item-new', 'accepted', { acceptEmpty: true });
    expect(Object.keys((await new SessionStore(root).load('study')).statuses)).toHaveLength(21);
  });

  it('a schema change (a status this version does not know) loses only that entry', async () => {
    const root = join(dir, 'schema');
    await twentyStatuses(root, 'study');
    const file = sessionFile(root, 'study');
    const json = JSON.parse(await readFile(file, 'utf8'));
    json.statuses['item-3'] = 'second-opinion';
    json.masks.push(42);
    await writeFile(file, JSON.stringify(json));
    const notices: StoreNotice[] = [];
    const state = await new SessionStore(root, { onNotice: (n) => notices.push(n) }).load('study');
    expect(Object.keys(state.statuses)).toHaveLength(19);
    expect(state.statuses['item-3']).toBeUndefined();
    expect(notices).toEqual([expect.objectContaining({ kind: 'entries-dropped', message: expect.stringMatching(/2 damaged entries dropped \(statuses\["item-3"\]; masks\[0\]\)/) })]);
  });

  it('a write that fails part-way (file size limit: EFBIG) leaves no temp file; stale ones are swept at start', async () => {
    const root = join(dir, 'tmp');
    await mkdir(join(root, 'studies', 'x'), { recursive: true });
    const target = join(root, 'studies', 'x', 'big.bin');
    // A real I/O failure in a child process: bash ignores SIGXFSZ and caps file size at 64 KiB; we write 1 MiB.
    const script = `import { writeFileAtomic } from ${JSON.stringify(join(REPO_ROOT, 'main/services/fs/atomic.ts'))};
      try { await writeFileAtomic(${JSON.stringify(target)}, new Uint8Array(1 << 20)); console.log('written'); } catch (e) { console.log(e.code); }`;
    const out = execFileSync('bash', ['-c', `trap '' XFSZ; ulimit -f 64; exec node --import tsx --input-type=module -e "$0"`, script], { cwd: REPO_ROOT, encoding: 'utf8' });
    expect(out.trim()).toBe('EFBIG');
    expect(await readdir(join(root, 'studies', 'x'))).toEqual([]);
    // Temp files a kill left behind (same naming as writeFileAtomic's) go at start; other files stay.
    await writeFile(join(root, 'studies', 'x', '.session.json.0123456789ab.tmp'), 'partial');
    await writeFile(join(root, '.recent.json.abcdefabcdef.tmp'), 'partial');
    await writeFile(join(root, 'studies', 'x', 'keep.tmp'), 'not ours');
    expect(await new SessionStore(root).sweep()).toBe(2);
    expect((await readdir(root, { recursive: true })).map(String).sort()).toEqual(['studies', 'studies/x', 'studies/x/keep.tmp']);
  });
});
