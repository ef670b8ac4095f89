// `s3-annotate interactive` as an outside evaluator drives it: the real CLI process, JSON lines in and out, on a PH2 photo.
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { readMask } from '../../main/services/images/read';
import { overlap } from '../../main/services/evaluation/metrics';
import { dataPath, REPO_ROOT } from '../helpers/data';

describe('s3-annotate interactive', () => {
  it('proposes, follows include/exclude clicks and a box, refuses bad lines and keeps going, undoes exactly', async () => {
    const out = await mkdtemp(join(tmpdir(), 's3a-inter-'));
    const child = spawn(process.execPath, [join(REPO_ROOT, 'main/cli/bin.mjs'), 'interactive', dataPath('skin/ph2/images/IMD002.bmp'), '--out', out, '--json', '--backend', 'wasm', '--size', '64'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const next = async () => JSON.parse(((await lines.next()).value as string) ?? 'null') as Record<string, unknown>;
    const send = (o: object | string) => child.stdin.write(`${typeof o === 'string' ? o : JSON.stringify(o)}\n`);
    const truth = await readMask(dataPath('skin/ph2/masks/IMD002_lesion.bmp'));

    const step0 = await next();
    expect(step0).toMatchObject({ step: 0, mask: join(out, 'IMD002.step0.mask.png') });
    expect(step0.iterations as number).toBeGreaterThan(0);
    const m0 = await readMask(step0.mask as string);
    expect([m0.width, m0.height]).toEqual([765, 572]);
    expect(overlap(m0.mask, truth.mask).dice).toBeGreaterThan(0.8);

    send({ prompt: 'click', x: 5000, y: 3, label: 'include' });
    expect((await next()).error).toMatch(/outside the 765×572 image/);
    send('not json');
    expect((await next()).error).toMatch(/not JSON/);
    send({ prompt: 'stroke', points: [], width: 3, label: 'include' });
    expect((await next()).error).toMatch(/points/);
    send({ prompt: 'box', x0: 10, y0: 10, x1: 10, y1: 90 });
    expect((await next()).error).toMatch(/no area/);

    // An exclude click in the lesion's middle takes that part out; undo brings step 0's mask back exactly.
    send({ prompt: 'click', x: 380, y: 290, label: 'exclude' });
    const s1 = await next();
    expect(s1).toMatchObject({ step: 1 });
    const m1 = await readMask(s1.mask as string);
    expect(m1.mask[290 * 765 + 380]).toBe(0);
    send({ prompt: 'undo' });
    const s2 = await next();
    expect(s2.step).toBe(2);
    expect(Buffer.from((await readMask(s2.mask as string)).mask).equals(Buffer.from(m0.mask))).toBe(true);

    // A box around the lesion: everything outside it is background.
    send({ prompt: 'box', x0: 180, y0: 90, x1: 620, y1: 500 });
    const s3 = await next();
    const m3 = await readMask(s3.mask as string);
    let outside = 0;
    for (let y = 0; y < 572; y++) for (let x = 0; x < 765; x++) if (m3.mask[y * 765 + x] && (x < 170 || x > 630 || y < 80 || y > 510)) outside++;
    expect(outside).toBe(0);
    expect(overlap(m3.mask, truth.mask).dice).toBeGreaterThan(0.8);

    child.stdin.end();
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code, stderr).toBe(0);
  }, 300_000);
});
