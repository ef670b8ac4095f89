// Propagation's walk and stop rules on real series, with deterministic steps; then S3-Net itself on the abdominal liver.
import { describe, expect, it } from 'vitest';
import { mkdtemp, readdir, readFile, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSeries } from '../../../main/services/series/open';
import { propagate, seedsFromPrevious, type PropagatedSliceReport, type PropagationStep } from '../../../main/services/series/propagate';
import { clusterStep } from '../../../main/services/series/cluster-step';
import { decodeNifti, niftiToSeriesMasks } from '../../../main/services/masks/nifti';
import { overlap } from '../../../main/services/evaluation/metrics';
import { createSegmentationRunner } from '../../../model/runner';
import { dataPath } from '../../helpers/data';

const W = 512;
function disc(cx: number, cy: number, r: number): Uint8Array {
  const m = new Uint8Array(W * W);
  for (let y = 0; y < W; y++) for (let x = 0; x < W; x++) if ((x - cx) ** 2 + (y - cy) ** 2 <= r * r) m[y * W + x] = 1;
  return m;
}
const same: PropagationStep = async ({ previous }) => ({ mask: previous.slice(), confidence: 1, iterations: 0, seconds: 0 });

async function walk(opened: Awaited<ReturnType<typeof openSeries>>, start: number, step: PropagationStep, extra: Partial<Parameters<typeof propagate>[0]> = {}) {
  const reports: PropagatedSliceReport[] = [];
  const result = await propagate({ opened, start, startMask: disc(256, 256, 60), direction: 'both', step, onSlice: (r) => { reports.push(r); }, ...extra });
  return { result, reports };
}

describe('propagate: the walk and where it stops', () => {
  it('seeds: the core inside the mask, the band well outside it, nothing in between', () => {
    const m = disc(256, 256, 60);
    const s = seedsFromPrevious(m, W, W);
    for (let i = 0; i < m.length; i++) {
      if (s.data[i] === 1) expect(m[i]).toBe(1);
      if (s.data[i] === 2) expect(m[i]).toBe(0);
    }
    expect(s.data[256 * W + 256]).toBe(1);
    expect(s.data[256 * W + 256 + 60]).toBe(0); // on the edge: unknown
    expect(s.data[256 * W + 256 + 60 + 18]).toBe(2); // 18 px out: in the band (2r–4r, r = 6)
  });

  it('walks to both ends of LIDC-IDRI-0001, and stops before an annotated slice and at a missing slice, naming them', async () => {
    const opened = await openSeries([dataPath('ct/lidc/LIDC-IDRI-0001')]);
    const all = await walk(opened, 7, same);
    expect(all.result.proposed).toBe(15);
    expect(all.result.stops.map((s) => s.reason)).toEqual([expect.stringMatching(/end of the series/), expect.stringMatching(/end of the series/)]);

    const fenced = await walk(opened, 7, same, { annotated: new Set([10]) });
    const up = fenced.result.stops.find((s) => s.direction === 'up')!;
    expect(up.slice).toBe(10);
    expect(up.reason).toMatch(/-1\d\d\.\d+\.dcm is already annotated: left as it is/);
    expect(fenced.reports.filter((r) => r.direction === 'up' && r.status === 'proposed').map((r) => r.slice)).toEqual([8, 9]);

    const dir = await mkdtemp(join(tmpdir(), 's3a-prop-gap-'));
    const files = (await readdir(dataPath('ct/lidc/LIDC-IDRI-0001'))).filter((f) => f.endsWith('.dcm'));
    for (const f of files) if (f !== '-115.000000.dcm') await symlink(dataPath('ct/lidc/LIDC-IDRI-0001', f), join(dir, f));
    const gapped = await openSeries([dir]);
    const g = await walk(gapped, 3, same);
    expect(g.result.stops.some((s) => /5\.00 mm between .* about 1 slice\(s\) missing: not propagated across it/.test(s.reason ?? ''))).toBe(true);
  });

  it('stops where the structure ends and where the seeds disagree, with the measured reason', async () => {
    const opened = await openSeries([dataPath('ct/lidc/LIDC-IDRI-0001')]);
    // Two slices like the start, then a speck at the centre: the structure has ended there.
    let calls = 0;
    const fading: PropagationStep = async ({ previous }) => ({ mask: ++calls <= 2 ? previous.slice() : disc(256, 256, 5), confidence: 1, iterations: 0, seconds: 0 });
    const ends = await walk(opened, 7, fading, { direction: 'up' });
    expect(ends.result.proposed).toBe(2);
    expect(ends.result.stops[0]!.slice).toBe(10);
    expect(ends.result.stops[0]!.reason).toMatch(/the structure ends: \d+ pixel\(s\), 0\.\d % of the start slice's \(limit 5 %\)/);
    const jump: PropagationStep = async ({ previous }) => {
      const moved = new Uint8Array(previous.length);
      for (let i = 0; i + 80 < previous.length; i++) moved[i + 80] = previous[i] as number;
      return { mask: moved, confidence: 1, iterations: 0, seconds: 0 };
    };
    const off = await walk(opened, 7, jump, { direction: 'down' });
    expect(off.result.proposed).toBe(0);
    expect(off.result.stops[0]!.reason).toMatch(/the seeds disagree with the image: the mask keeps \d+ % of the previous slice's core/);
  });
});

describe('propagate with S3-Net', () => {
  it('carries the liver of the abdominal series two slices up from its middle slice (wasm, 64² working size)', async () => {
    const dir = dataPath('dicom/ct-abdomen-j2k-series');
    const opened = await openSeries([dir]);
    const truth = niftiToSeriesMasks(decodeNifti(await readFile(join(dir, 'example_seg_dicom.nii.gz'))), opened.series).slices.map((s) => Uint8Array.from(s, (v) => (v === 5 ? 1 : 0)));
    const runner = createSegmentationRunner({ workers: 1 });
    const dice: number[] = [];
    try {
      const r = await propagate({
        opened, start: 10, startMask: truth[10]!, direction: 'up', maxSlices: 2, step: clusterStep(runner, { backend: 'wasm', size: 64, maxIterations: 8 }),
        onSlice: (report, mask) => { if (mask) dice.push(overlap(mask, truth[report.slice]!).dice); },
      });
      expect(r.proposed).toBe(2);
    } finally {
      await runner.close();
    }
    // Measured at 128²: 0.91, 0.83 for the next two slices (drifting outwards); the test asks for less at 64².
    expect(dice).toHaveLength(2);
    expect(dice[0]).toBeGreaterThan(0.8);
    expect(dice[1]).toBeGreaterThan(0.7);
  }, 600_000);
});
