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
