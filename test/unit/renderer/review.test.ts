// The review queue: proposals ordered least confident first, D walks them, confidences follow the open study.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { transformSync } from 'esbuild';
import { compileModule } from 'svelte/compiler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobResult, Result, SessionState } from '../../../main/contracts';
import { handleKey } from '../../../renderer/state/keys';
import type { AppState } from '../../../renderer/state/app.svelte';
import { nextInQueue, reviewQueue } from '../../../renderer/state/review.svelte';
import type * as ReviewSource from '../../../renderer/state/review.svelte';

type ReviewModule = typeof ReviewSource;

// The unit suite runs without the Svelte plugin, so the class is compiled here the way the app's build compiles it,
// and its $state/$derived really react.
let dir: string;
let review: ReviewModule;
beforeAll(async () => {
  const source = readFileSync(resolve(import.meta.dirname, '../../../renderer/state/review.svelte.ts'), 'utf8');
  const js = transformSync(source, { loader: 'ts', format: 'esm' }).code;
  const require = createRequire(import.meta.url);
  const compiled = compileModule(js, { generate: 'client', filename: 'review.svelte.js' }).js.code.replace(/from '(svelte[^']*)'/g, (_m, s: string) => `from '${pathToFileURL(require.resolve(s)).href}'`);
  dir = await mkdtemp(join(tmpdir(), 's3-review-'));
  await writeFile(join(dir, 'review.mjs'), compiled);
  review = (await import(/* @vite-ignore */ pathToFileURL(join(dir, 'review.mjs')).href)) as ReviewModule;
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('reviewQueue', () => {
  const order = ['s1', 's2', 's3', 's4', 's5', 's6'];
  it('lists only proposed items, least confident first, unknown after known, ties in browsing order', () => {
    const statuses = { s1: 'proposed', s2: 'proposed', s3: 'accepted', s4: 'proposed', s5: 'proposed', s6: 'proposed' } as const;
    const confidences = { s2: 0.9, s3: 0.01, s4: 0.2, s6: 0.2 };
    expect(reviewQueue(order, statuses, confidences)).toEqual(['s4', 's6', 's2', 's1', 's5']);
  });

  it('keeps browsing order when no confidence is known (a session saved before confidences)', () => {
    expect(reviewQueue(order, { s5: 'proposed', s2: 'proposed', s1: 'corrected' }, {})).toEqual(['s2', 's5']);
  });

  it('places a zero confidence first', () => {
    expect(reviewQueue(order, { s1: 'proposed', s2: 'proposed' }, { s1: 0.4, s2: 0 })).toEqual(['s2', 's1']);
  });
});

describe('nextInQueue', () => {
  it('starts at the head, steps on, wraps, and has nothing next for a lone item', () => {
    expect(nextInQueue(['b', 'a', 'c'], null)).toBe('b');
    expect(nextInQueue(['b', 'a', 'c'], 'x')).toBe('b');
    expect(nextInQueue(['b', 'a', 'c'], 'a')).toBe('c');
    expect(nextInQueue(['b', 'a', 'c'], 'c')).toBe('b');
    expect(nextInQueue(['b'], 'b')).toBeNull();
    expect(nextInQueue([], null)).toBeNull();
  });
});

describe('ReviewState', () => {
  it('reorders its queue as statuses and confidences change', () => {
    const r = new review.ReviewState();
    r.order = ['a', 'b', 'c'];
    r.statuses = { a: 'proposed', b: 'proposed', c: 'proposed' };
    expect(r.queue).toEqual(['a', 'b', 'c']);
    r.confidences.c = 0.3;
    r.confidences.a = 0.8;
    expect(r.queue).toEqual(['c', 'a', 'b']);
    r.statuses.c = 'accepted';
    expect(r.queue).toEqual(['a', 'b']);
    expect(r.nextToCheck('a')).toBe('b');
    expect(r.confidenceOf('b')).toBeNull();
  });

  it('follows the saved confidences and new proposals of the open study only', async () => {
    const r = new review.ReviewState();
    r.order = ['a', 'b', 'c'];
    r.statuses = { a: 'proposed', b: 'accepted' };
    const listeners: Array<(res: JobResult) => void> = [];
    let answer: (v: Result<SessionState>) => void = () => undefined;
    const source = {
      session: { load: () => new Promise<Result<SessionState>>((ok) => (answer = ok)) },
      segment: {
        onResult: (l: (res: JobResult) => void) => {
          listeners.push(l);
          return () => void listeners.splice(listeners.indexOf(l), 1);
        },
      },
    };
    const result = (itemId: string, confidence: number, studyKey = 'k'): JobResult => ({ jobId: 'j', itemId, studyKey, width: 1, height: 1, mask: new Uint8Array(1), clusters: 2, iterations: 1, seconds: 0, confidence });
    const stop = r.follow('k', source);
    // A proposal that arrives before the saved session wins over the saved value.
    for (const l of listeners) l(result('a', 0.7));
    for (const l of listeners) l(result('b', 0.1)); // accepted: the new proposal was not kept
    for (const l of listeners) l(result('c', 0.2, 'other-study'));
    answer({ ok: true, value: { studyKey: 'k', statuses: {}, confidences: { a: 0.4, c: 0.25 }, masks: [], edited: [], decisions: {}, view: { itemId: null, seriesUid: null, windowCenter: null, windowWidth: null }, segments: [], updatedAt: '' } });
    await Promise.resolve();
    await Promise.resolve();
    expect({ ...r.confidences }).toEqual({ a: 0.7, c: 0.25 });
    stop();
    expect(listeners).toHaveLength(0);
  });

  it('D shows the least confident proposal, then the next, and says when there is none', async () => {
    const r = new review.ReviewState();
    r.order = ['a', 'b', 'c'];
    r.statuses = { a: 'proposed', b: 'proposed', c: 'proposed' };
    r.confidences = { a: 0.9, b: 0.1, c: 0.5 };
    const shown: string[] = [];
    const messages: string[] = [];
    const app = {
      review: r,
      study: { currentId: 'a' as string | null },
      select: async (id: string) => void ((app.study.currentId = id), shown.push(id)),
      info: (m: string) => void messages.push(m),
      helpOpen: false,
      exportOpen: false,
    };
    const press = async (): Promise<void> => {
      const e = { key: 'd', ctrlKey: false, metaKey: false, shiftKey: false, altKey: false, target: { tagName: 'DIV' }, preventDefault: () => undefined } as unknown as KeyboardEvent;
      expect(handleKey(app as unknown as AppState, e)).toBe(true);
      await new Promise((ok) => setTimeout(ok, 0));
    };
    // From the most confident item the queue wraps round to the least confident.
    await press();
    await press();
    expect(shown).toEqual(['b', 'c']);
    r.statuses = { a: 'accepted', b: 'accepted', c: 'accepted' };
    await press();
    expect(shown).toEqual(['b', 'c']);
    expect(messages).toEqual(['No S3-Net proposals are awaiting review']);
  });
});
