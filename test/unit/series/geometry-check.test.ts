// Series geometry checks on a real LIDC series: as it is, with a slice taken out, and with a slice re-gridded or tilted.
import { describe, expect, it } from 'vitest';
import { mkdtemp, readdir, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { indexPaths, type SeriesIndex } from '../../../main/services/dicom/index';
import { checkSeriesGeometry, stepBlocked } from '../../../main/services/series/geometry-check';
import { dataPath } from '../../helpers/data';

const LIDC = dataPath('ct/lidc/LIDC-IDRI-0001');

async function lidc(skip?: string): Promise<SeriesIndex> {
  const dir = await mkdtemp(join(tmpdir(), 's3a-geom-'));
  for (const f of (await readdir(LIDC)).filter((n) => n.endsWith('.dcm') && n !== skip)) await symlink(join(LIDC, f), join(dir, f));
  return (await indexPaths([dir])).series[0]!;
}

describe('checkSeriesGeometry', () => {
  it('finds nothing wrong with the 16 evenly spaced LIDC-IDRI-0001 slices and gives their positions 2.5 mm apart', async () => {
    const g = checkSeriesGeometry(await lidc());
    expect(g.issues).toEqual([]);
    expect(g.step).toBeCloseTo(2.5, 6);
    expect(g.positions).toHaveLength(16);
  });

  it('names the slices on both sides of a missing slice, and propagation may not step across it', async () => {
    const series = await lidc('-115.000000.dcm');
    const g = checkSeriesGeometry(series);
    expect(g.issues).toHaveLength(1);
    const [gap] = g.issues;
    expect(gap!.kind).toBe('gap');
    expect(gap!.reason).toMatch(/5\.00 mm between -11[27]\.500000\.dcm and -11[27]\.500000\.dcm where slices are 2\.50 mm apart: about 1 slice\(s\) missing/);
    expect(gap!.breaksVolume).toBe(false);
    expect(stepBlocked(g, gap!.slice - 1, gap!.slice)).toBe(gap!.reason);
    expect(stepBlocked(g, gap!.slice, gap!.slice - 1)).toBe(gap!.reason);
    expect(stepBlocked(g, gap!.slice, gap!.slice + 1)).toBeUndefined();
  });

  it('reports a slice of another size, another orientation and two slices at one position by file name, each breaking the volume', async () => {
    const real = await lidc();
    const slices = real.slices.map((s, k) => {
      if (k === 3) return { ...s, rows: 256, columns: 256 };
      if (k === 9) return { ...s, geometry: { ...s.geometry, orientation: [1, 0, 0, 0, 0.8, -0.6] as const } };
      if (k === 12) return { ...s, geometry: { ...s.geometry, position: real.slices[11]!.geometry.position } };
      return s;
    });
    const g = checkSeriesGeometry({ ...real, slices });
    const by = (kind: string) => g.issues.filter((i) => i.kind === kind);
    expect(by('mixed-size').map((i) => basename(i.path))).toEqual([basename(slices[3]!.path)]);
    expect(by('mixed-size')[0]!.reason).toMatch(/is 256×256, the series is 512×512/);
    expect(by('orientation').map((i) => i.slice)).toEqual([9]);
    expect(by('same-position').map((i) => i.slice)).toEqual([12]);
    expect(g.issues.filter((i) => ['mixed-size', 'orientation', 'same-position'].includes(i.kind)).every((i) => i.breaksVolume)).toBe(true);
    expect(stepBlocked(g, 2, 3)).toMatch(/256×256/);
    expect(stepBlocked(g, 4, 3)).toMatch(/256×256/);
    expect(stepBlocked(g, 11, 12)).toMatch(/same position/);
  });
});
