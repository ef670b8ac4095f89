// NIfTI-1 on real series: nibabel reads our export with a geometry-true affine; TotalSegmentator's label map imports.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dataPath } from '../../helpers/data.js';
import { python } from '../../helpers/tools.js';
import { indexPaths, type SeriesIndex } from '../../../main/services/dicom/indexer.js';
import { writeSeriesMasks } from '../../../main/services/masks/write.js';
import { decodeNifti, niftiToSeriesMasks } from '../../../main/services/masks/nifti.js';

let out: string;
let lidc: SeriesIndex;
let masks: Uint8Array[];
let niiPath: string;

beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), 's3-nii-'));
  lidc = (await indexPaths([dataPath('ct/lidc/LIDC-IDRI-0002')])).series[0]!;
  // A marker voxel per slice at a slice-dependent place, so any flip or shift of an axis shows.
  masks = lidc.slices.map((_, k) => {
    const m = new Uint8Array(512 * 512);
    m[(40 + k) * 512 + (300 - k)] = 1;
    m[10 * 512 + 20] = 2;
    return m;
  });
  [niiPath] = (await writeSeriesMasks(lidc, masks, 'nifti', out)) as [string];
});
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('NIfTI export', () => {
  it('nibabel reads it and a voxel at a known patient position lands on the same voxel', () => {
    // Patient position (LPS) of column i, row j on slice k, straight from the DICOM header.
    const k = 7;
    const [i, j] = [300 - k, 40 + k];
    const g = lidc.slices[k]!.geometry;
    const [rs, cs] = g.pixelSpacing!;
    const o = g.orientation!;
    const p = g.position!;
    const lps = [0, 1, 2].map((a) => p[a]! + i * cs * o[a]! + j * rs * o[a + 3]!);
    const res = python<{ shape: number[]; voxel: number[]; value: number; count: number; codes: string[]; intent: string }>(
      `import nibabel as nib, numpy as np, json, sys
img = nib.load(sys.argv[1]); a = np.asarray(img.dataobj)
x, y, z = [float(v) for v in sys.argv[2:5]]
v = np.linalg.inv(img.affine) @ np.array([-x, -y, z, 1.0])
vox = [int(round(c)) for c in v[:3]]
print(json.dumps({'shape': list(a.shape), 'voxel': vox, 'value': int(a[tuple(vox)]), 'count': int((a == 1).sum()), 'codes': list(nib.aff2axcodes(img.affine)), 'intent': img.header.get_intent()[0]}))`,
      [niiPath, ...lps.map(String)],
    );
    expect(res.shape).toEqual([512, 512, lidc.slices.length]);
    expect(res.voxel).toEqual([i, j, k]);
    expect(res.value).toBe(1);
    expect(res.count).toBe(lidc.slices.length);
    expect(res.codes).toEqual(['L', 'P', 'S']);
    expect(res.intent).toBe('label');
  });

  it('our importer reads our export back onto the series unchanged', () => {
    const back = niftiToSeriesMasks(decodeNifti(readFileSync(niiPath)), lidc);
    back.slices.forEach((m, k) => expect(Buffer.compare(Buffer.from(m), Buffer.from(masks[k]!))).toBe(0));
  });
});

describe('NIfTI import', () => {
  it("TotalSegmentator's label map (LAS, sform only) lands on the JPEG 2000 series with every label's voxel count intact", async () => {
    const series = (await indexPaths([dataPath('dicom/ct-abdomen-j2k-series')])).series[0]!;
    const file = dataPath('dicom/ct-abdomen-j2k-series/example_seg_dicom.nii.gz');
    const vol = niftiToSeriesMasks(decodeNifti(readFileSync(file)), series);
    const ref = python<Record<string, number>>(
      `import nibabel as nib, numpy as np, json, sys
a = np.asarray(nib.load(sys.argv[1]).dataobj); u, c = np.unique(a, return_counts=True)
print(json.dumps({str(int(k)): int(v) for k, v in zip(u, c) if k != 0}))`,
      [file],
    );
    const counts: Record<string, number> = {};
    for (const s of vol.slices) for (const v of s) if (v) counts[v] = (counts[v] ?? 0) + 1;
    expect(counts).toEqual(ref);
    expect(vol.segments.map((s) => String(s.label))).toEqual(Object.keys(ref).sort((a, b) => Number(a) - Number(b)));

    // Re-export on our own affine and compare with the reference (dcm2niix-built) in world space: every label's
    // centroid in RAS millimetres must agree, whatever the two files' axis orders.
    const [ours] = (await writeSeriesMasks(series, vol, 'nifti', join(out, 'abdomen'))) as [string];
    const drift = python<number>(
      `import nibabel as nib, numpy as np, json, sys
def centroids(p):
    img = nib.load(p); a = np.asarray(img.dataobj)
    return {int(l): (img.affine @ np.append(np.argwhere(a == l).mean(0), 1.0))[:3] for l in np.unique(a) if l != 0}
a, b = centroids(sys.argv[1]), centroids(sys.argv[2])
assert a.keys() == b.keys()
print(json.dumps(max(float(np.abs(a[k] - b[k]).max()) for k in a)))`,
      [file, ours],
    );
    expect(drift).toBeLessThan(0.01);
  });
});
