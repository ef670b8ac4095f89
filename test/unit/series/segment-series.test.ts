// Whole-series lungs, streamed in two chains: a short series assembled from LIDC and abdominal slices, one DICOM SEG.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSegmentationRunner } from '../../../model/runner';
import { lungByHu, runnerProposal, segmentSeries, type SeriesSliceReport } from '../../../main/services/series/segment-series';
import { decodeFrame } from '../../../main/services/dicom/index';
import { dataPath, REPO_ROOT } from '../../helpers/data';

describe('segmentSeries', () => {
  it('skips slices with no lung by HU, trains the others in two warm chains, and writes one SEG', async () => {
    const dir = await mkdtemp(join(tmpdir(), 's3a-series-'));
    const built = spawnSync('/usr/bin/python3', [join(REPO_ROOT, 'test/bench/make-long-series.py'), dir, '6'], { encoding: 'utf8' });
    expect(built.status, built.stderr).toBe(0);
    const out = join(dir, 'out');
    const runner = createSegmentationRunner({ workers: 2 });
    const reports: SeriesSliceReport[] = [];
    let result;
    try {
      result = await segmentSeries({
        paths: [dir], propose: runnerProposal(runner, { backend: 'wasm', size: 64, maxIterations: 4 }, 1), outDir: out, format: 'seg', chains: 2,
        onSlice: (r) => reports.push(r),
      });
    } finally {
      await runner.close();
    }
    expect(reports).toHaveLength(6);
    // Four LIDC chest slices, then two of the abdominal series (below the lungs).
    const bySlice = [...reports].sort((a, b) => a.slice - b.slice);
    for (const r of bySlice) {
      const f = await decodeFrame(r.input);
      if (lungByHu(f.modality!, f.width, f.height) === 0) expect(r).toMatchObject({ status: 'empty', reason: 'no lung by the HU rule: not trained', iterations: 0, pixels: 0 });
      else expect(r.status).toBe('proposed');
    }
    // The lowest LIDC slices and the abdominal ones hold no lung by HU; the others do.
    expect(reports.filter((r) => r.status === 'proposed').length).toBeGreaterThanOrEqual(2);
    expect(reports.some((r) => r.status === 'empty')).toBe(true);
    // In each chain the first slice trained starts cold and every later one warm (empty slices pass the weights on).
    for (const chain of [0, 1]) {
      const trained = reports.filter((r) => r.chain === chain && r.status === 'proposed');
      expect(trained.map((r) => r.warmStarted)).toEqual(trained.map((_, i) => i > 0));
    }
    expect(new Set(reports.map((r) => r.chain))).toEqual(new Set([0, 1]));
    expect(result.written).toHaveLength(1);
    expect(existsSync(result.written[0]!)).toBe(true);
    const check = spawnSync('dciodvfy', [result.written[0]!], { encoding: 'utf8' });
    expect(`${check.stdout}${check.stderr}`).not.toMatch(/^Error/m);
  }, 600_000);

  it('lungByHu finds lung on a LIDC slice and none on an empty image', async () => {
    const slice = await decodeFrame(dataPath('ct/lidc/LIDC-IDRI-0001/-100.000000.dcm'));
    expect(lungByHu(slice.modality!, slice.width, slice.height)).toBeGreaterThan(10_000);
    expect(lungByHu(new Float32Array(64 * 64).fill(-1000), 64, 64)).toBe(0);
  });
});
