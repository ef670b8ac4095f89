// CLI hygiene on real inputs: --version, quiet by default, photo names kept apart, a line per item, SEG named and coded.
import { describe, expect, it } from 'vitest';
import { copyFile, mkdir, mkdtemp, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../main/cli/index';
import { photoOutputNames } from '../../main/cli/commands/segment';
import { dataPath } from '../helpers/data';
import { python } from '../helpers/tools';

function capture() {
  let out = '', err = '';
  return { io: { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) } }, out: () => out, err: () => err };
}
const QUICK = ['--backend', 'wasm', '--size', '32', '--max-iter', '2', '--min-iter', '1'];

describe('s3-annotate hygiene', () => {
  it('--version prints the package version', async () => {
    const c = capture();
    expect(await main(['--version'], c.io)).toBe(0);
    const pkg = JSON.parse(await readFile('package.json', 'utf8')) as { version: string };
    expect(c.out()).toBe(`s3-annotate ${pkg.version}\n`);
  });

  it('two photos with one file name get two outputs, the records name the real files, a name never starts with "-"', async () => {
    const dir = await mkdtemp(join(tmpdir(), 's3a-names-'));
    await mkdir(join(dir, 'a'));
    await mkdir(join(dir, 'b'));
    // Copies in a temporary folder (never in the repository): two different PH2 photos under one name, and a dash.
    await copyFile(dataPath('skin/ph2/images/IMD002.bmp'), join(dir, 'a', 'IMD.bmp'));
    await copyFile(dataPath('skin/ph2/images/IMD003.bmp'), join(dir, 'b', 'IMD.bmp'));
    await copyFile(dataPath('skin/ph2/images/IMD002.bmp'), join(dir, '-dash.bmp'));
    const out = join(dir, 'out');
    const c = capture();
    expect(await main(['segment', join(dir, 'a'), join(dir, 'b'), join(dir, '-dash.bmp'), '--out', out, '--json', ...QUICK], c.io)).toBe(0);
    const records = c.out().trim().split('\n').map((l) => JSON.parse(l) as { input: string; mask: string; labels: string });
    const byInput = new Map(records.map((r) => [r.input, r]));
    expect(byInput.get(join(dir, 'a', 'IMD.bmp'))?.mask).toBe(join(out, 'a_IMD.mask.png'));
    expect(byInput.get(join(dir, 'b', 'IMD.bmp'))?.mask).toBe(join(out, 'b_IMD.mask.png'));
    expect(byInput.get(join(dir, '-dash.bmp'))?.mask).toBe(join(out, '_dash.mask.png'));
    for (const r of records) expect(existsSync(r.mask) && existsSync(r.labels)).toBe(true);
    // No backend banner unless asked.
    expect(c.err()).not.toMatch(/TF\.js backend/);
  }, 300_000);

  it('without --json and with stdout not a terminal, says each finished item on its own line; --verbose names the backend', async () => {
    const out = await mkdtemp(join(tmpdir(), 's3a-lines-'));
    const c = capture();
    expect(await main(['segment', dataPath('skin/ph2/images/IMD002.bmp'), '--out', out, '--verbose', ...QUICK], c.io)).toBe(0);
    expect(c.out()).toMatch(new RegExp(`^1/1 .*IMD002\\.bmp → ${join(out, 'IMD002.mask.png').replace(/[.]/g, '\\.')} \\(\\d+ iterations, [\\d.]+ s\\)\\n$`));
    expect(c.err()).toMatch(/TF\.js backend wasm \(requested/);
  }, 300_000);

  it('refuses --format seg on a photograph, with the reason, before any training', async () => {
    const c = capture();
    const started = performance.now();
    expect(await main(['segment', dataPath('skin/ph2/images/IMD002.bmp'), '--out', join(tmpdir(), 's3a-never'), '--format', 'seg'], c.io)).toBe(2);
    expect(c.err()).toMatch(/--format seg needs DICOM series, but .*IMD002\.bmp is a photograph/);
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  it('--format seg: every slice record and one series record name the SEG, whose segment is "Lungs", SNOMED CT 39607008', async () => {
    const out = await mkdtemp(join(tmpdir(), 's3a-seg-json-'));
    const c = capture();
    expect(await main(['segment', 'assets/samples/LIDC-IDRI-0001', '--out', out, '--json', '--format', 'seg', ...QUICK], c.io)).toBe(0);
    const records = c.out().trim().split('\n').map((l) => JSON.parse(l) as { input: string; output?: string; series?: string; files?: string[] });
    const slices = records.filter((r) => !r.series);
    const series = records.filter((r) => r.series);
    expect(slices).toHaveLength(2);
    expect(series).toHaveLength(1);
    const seg = series[0]!.files![0]!;
    expect(seg).toMatch(/\.seg\.dcm$/);
    for (const r of slices) expect(r.output).toBe(seg);
    const info = python<{ name: string; code: string; scheme: string; category: string }>(
      `import pydicom, json, sys
s = pydicom.dcmread(sys.argv[1]).SegmentSequence[0]
t = s.SegmentedPropertyTypeCodeSequence[0]; c = s.SegmentedPropertyCategoryCodeSequence[0]
print(json.dumps({'name': s.SegmentLabel, 'code': t.CodeValue, 'scheme': t.CodingSchemeDesignator, 'category': c.CodeMeaning}))`,
      [seg],
    );
    expect(info).toEqual({ name: 'Lungs', code: '39607008', scheme: 'SCT', category: 'Anatomical Structure' });
  }, 300_000);
});

describe('photoOutputNames', () => {
  it('keeps file names, prefixes the folder where two would collide (also with a DICOM slice), then numbers them', () => {
    const names = photoOutputNames(['/x/a/p.jpg', '/x/b/p.png', '/y/a/p.bmp', '/x/q.jpg', '/x/s.jpg', '/x/--r.jpg'], new Set(['s']));
    expect([...names.values()]).toEqual(['a_p', 'b_p', 'a_p_2', 'q', 'x_s', '__r']);
  });
});
