// Decoding in worker threads gives exactly what inline decoding gives, and failures come back as errors, not crashes.
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDecodePool, inlineDecoder } from '../../main/services/library/decode-pool';

const DATA = resolve(import.meta.dirname, '../../../shared/data');
const pool = createDecodePool(new URL('../../main/services/library/decode-worker-bootstrap.mjs', import.meta.url), 2);
afterAll(() => pool.close());

describe('decode pool', () => {
  it('decodes a JPEG 2000 series and a BMP photo off-thread, identical to inline', async () => {
    const dir = join(DATA, 'dicom/ct-abdomen-j2k-series');
    const files = (await readdir(dir)).filter((f) => f.endsWith('.dcm')).slice(0, 4);
    const inline = inlineDecoder();
    const slices = await Promise.all(files.map((f) => pool.decode({ kind: 'slice', path: join(dir, f), frameIndex: 0 })));
    const first = await inline.decode({ kind: 'slice', path: join(dir, files[0] ?? ''), frameIndex: 0 });
    expect(slices[0]?.width).toBe(512);
    expect(Buffer.compare(Buffer.from(slices[0]?.hu.buffer ?? new ArrayBuffer(0)), Buffer.from(first.hu.buffer))).toBe(0);
    const photo = await pool.decode({ kind: 'photo', path: join(DATA, 'skin/ph2/images/IMD002.bmp') });
    expect([photo.width, photo.height, photo.rgba.length]).toEqual([765, 572, 765 * 572 * 4]);
  });

  it('reports a broken file as a rejected promise and keeps working', async () => {
    await expect(pool.decode({ kind: 'slice', path: join(DATA, 'dicom/pydicom/MR_truncated.dcm'), frameIndex: 0 })).rejects.toThrow();
    const ok = await pool.decode({ kind: 'photo', path: join(DATA, 'skin/ph2/images/IMD003.bmp') });
    expect(ok.width).toBeGreaterThan(0);
  });
});

describe('decode pool self-healing (a worker that crashes, throws or hangs on command)', () => {
  const faulty = createDecodePool(new URL('./fixtures/fault-decode-worker.mjs', import.meta.url), 1, { jobTimeoutMs: 1500, backoffMs: 50 });
  afterAll(() => faulty.close());
  const photo = { kind: 'photo' as const, path: join(DATA, 'skin/ph2/images/IMD002.bmp') };

  it('a worker that exits fails the job in flight with the reason, and the next decode runs on a fresh worker', async () => {
    await expect(faulty.decode({ kind: 'photo', path: `${photo.path}#exit` })).rejects.toThrow(/IMD002\.bmp#exit: the decoding worker stopped \(exit code 3\)/);
    await expect(faulty.decode({ kind: 'photo', path: `${photo.path}#throw` })).rejects.toThrow(/the decoding worker failed: injected fault/);
    // Two crashes in a row: the pool still decodes (before, every later decode hung).
    const ok = await faulty.decode(photo);
    expect([ok.width, ok.height]).toEqual([765, 572]);
  }, 30_000);

  it('a job that hangs is stopped by the timeout, and the jobs queued behind it still complete', async () => {
    const t = performance.now();
    const hung = faulty.decode({ kind: 'photo', path: `${photo.path}#hang` });
    const behind = faulty.decode(photo);
    await expect(hung).rejects.toThrow(/took longer than 1\.5 s and was stopped/);
    expect((await behind).width).toBe(765);
    expect(performance.now() - t).toBeLessThan(15_000);
  }, 30_000);

  it('the queue has a cap: prefetches are dropped first, then new jobs are refused', async () => {
    const small = createDecodePool(new URL('./fixtures/fault-decode-worker.mjs', import.meta.url), 1, { maxQueue: 2, jobTimeoutMs: 4000 });
    try {
      await small.decode(photo); // the worker is up
      const jobs = [small.decode({ kind: 'photo', path: `${photo.path}#hang` }, 'high')];
      const a = small.decode(photo, 'low');
      const b = small.decode({ kind: 'photo', path: join(DATA, 'skin/ph2/images/IMD003.bmp') }, 'high');
      const c = small.decode({ kind: 'photo', path: join(DATA, 'skin/ph2/images/IMD004.bmp') }, 'high');
      await expect(a).rejects.toThrow(/prefetch dropped, the decode queue is full/);
      await expect(small.decode({ kind: 'photo', path: join(DATA, 'skin/ph2/images/IMD006.bmp') }, 'high')).rejects.toThrow(/decode queue is full \(2 jobs waiting\)/);
      await Promise.allSettled(jobs);
      expect((await b).width).toBeGreaterThan(0);
      expect((await c).width).toBeGreaterThan(0);
    } finally {
      await small.close();
    }
  }, 30_000);
});
