// The `info` command: text and the --json contract, skipped files with reasons, exit codes.
import { describe, expect, it } from 'vitest';
import { dataPath } from '../../helpers/data.js';
import { run } from '../../../main/cli/commands/info.js';

async function info(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await run(args, { stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (err += t) } });
  return { code, out, err };
}

describe('s3-annotate info', () => {
  it('--json: one object with series and skipped; exit 0 although files were skipped', async () => {
    const { code, out } = await info([dataPath('dicom/pydicom'), dataPath('ct/lidc/LIDC-IDRI-0003'), '--json']);
    expect(code).toBe(0);
    const json = JSON.parse(out) as { series: Record<string, unknown>[]; skipped: { path: string; reason: string }[] };
    const lidc = json.series.find((s) => s.slices === 11)!;
    expect(lidc).toMatchObject({ modality: 'CT', slices: 11 });
    for (const key of ['studyInstanceUID', 'seriesInstanceUID', 'modality', 'description', 'slices']) expect(lidc).toHaveProperty(key);
    const reasons = Object.fromEntries(json.skipped.map((s) => [s.path.split('/').pop(), s.reason]));
    expect(reasons['MR_truncated.dcm']).toMatch(/truncated/);
    expect(reasons['badVR.dcm']).toMatch(/1A/);
    expect(reasons['no_meta.dcm']).toMatch(/not a DICOM file/);
  });

  it('text output lists patient, study, series with slice counts and every skipped file', async () => {
    const { code, out } = await info([dataPath('ct/lidc')]);
    expect(code).toBe(0);
    expect(out).toMatch(/Patient LIDC-IDRI-0001/);
    expect(out).toMatch(/Series .* CT .* 16 slice\(s\) 512×512/);
    expect(out).toMatch(/skipped .*069\.xml: not a DICOM file/);
  });

  it('exit 1 when nothing loads, 2 on bad usage', async () => {
    expect((await info([dataPath('ct/lung-masks/masks')])).code).toBe(1);
    expect((await info([])).code).toBe(2);
    const help = await info(['--help']);
    expect([help.code, help.out]).toEqual([0, expect.stringMatching(/usage: s3-annotate info/)]);
  });
});
