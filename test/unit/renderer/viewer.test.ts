// The viewer's pure parts on real series: slice order, orientation letters, names and dates, windows, MPR, fill.
import { describe, expect, it } from 'vitest';
import { decodeFrame, indexPaths, type SeriesIndex } from '../../../main/services/dicom';
import { dataPath } from '../../helpers/data';
import { directionLetters, edgeLetters, sliceSpacing, stackDirection, viewerOrder, type Orientation, type Vec3 } from '../../../renderer/viewport/geometry';
import { formatDicomDate, formatPersonName } from '../../../renderer/viewport/format';
import { autoWindow, initialWindow, presetForKey } from '../../../renderer/viewport/window';
import { gatherPlane, renderPlane, SeriesVolume } from '../../../renderer/viewport/volume';
import { fillIntensity, floodFillRange } from '../../../renderer/tools/fill';
import { fitPlane } from '../../../renderer/viewport/mpr-view';
import { EditRecorder } from '../../../renderer/tools/writer';

async function lidcSeries(): Promise<SeriesIndex> {
  const idx = await indexPaths([dataPath('ct/lidc/LIDC-IDRI-0001')]);
  const se = idx.series[0];
  if (!se) throw new Error('LIDC-IDRI-0001 has no series');
  return se;
}

const refsOf = (se: SeriesIndex): Array<{ path: string; patientPosition: Vec3 }> =>
  se.slices.map((s) => ({ path: s.path, patientPosition: s.geometry.position as Vec3 }));

async function huOf(path: string): Promise<Int16Array> {
  const f = await decodeFrame(path, 0);
  return Int16Array.from(f.modality ?? [], (v) => Math.round(v));
}

describe('slice order', () => {
  it('puts the most superior slice first on LIDC-IDRI-0001, whatever order the files come in', async () => {
    const se = await lidcSeries();
    const o = se.slices[0]?.geometry.orientation as Orientation;
    const refs = refsOf(se);
    const shuffled = [...refs].reverse();
    shuffled.push(...shuffled.splice(0, 5));
    const ordered = viewerOrder(shuffled, o);
    const z = ordered.map((r) => r.patientPosition[2]);
    expect(z.length).toBe(16);
    for (let i = 1; i < z.length; i++) expect(z[i]).toBeLessThan(z[i - 1] as number);
    expect(z[0]).toBe(Math.max(...refs.map((r) => r.patientPosition[2])));
    // 2.5 mm apart (the files are named by their z), and slice 1 → 16 goes inferior.
    expect(sliceSpacing(z.map((v, i) => [ordered[i]?.patientPosition[0] ?? 0, ordered[i]?.patientPosition[1] ?? 0, v]), o)).toBeCloseTo(2.5, 3);
    expect(stackDirection(ordered.map((r) => r.patientPosition), o)).toEqual([0, 0, -1]);
  });

  it('keeps the given order where positions are missing, and orders sagittal and coronal stacks R→L and A→P', () => {
    const items = [{ id: 'a' }, { id: 'b', patientPosition: [0, 0, 1] as Vec3 }];
    expect(viewerOrder(items, [1, 0, 0, 0, 1, 0]).map((i) => i.id)).toEqual(['a', 'b']);
    const sag: Orientation = [0, 1, 0, 0, 0, -1];
    const xs = [5, -20, 10].map((x) => ({ patientPosition: [x, 0, 0] as Vec3 }));
    expect(viewerOrder(xs, sag).map((i) => i.patientPosition[0])).toEqual([-20, 5, 10]);
    const cor: Orientation = [1, 0, 0, 0, 0, -1];
    const ys = [30, -4, 12].map((y) => ({ patientPosition: [0, y, 0] as Vec3 }));
    expect(viewerOrder(ys, cor).map((i) => i.patientPosition[1])).toEqual([-4, 12, 30]);
  });
});

describe('orientation letters', () => {
  it('labels the edges of LIDC axial slices R/L/A/P and oblique directions by their strongest components', async () => {
    const se = await lidcSeries();
    const o = se.slices[0]?.geometry.orientation as Orientation;
    expect(edgeLetters([o[0], o[1], o[2]], [o[3], o[4], o[5]])).toEqual({ left: 'R', right: 'L', top: 'A', bottom: 'P' });
    expect(edgeLetters([0, 1, 0], [0, 0, -1])).toEqual({ left: 'A', right: 'P', top: 'S', bottom: 'I' });
    expect(directionLetters([Math.cos(0.5), Math.sin(0.5), 0])).toBe('LP');
    expect(directionLetters([0.02, -0.3, -0.95])).toBe('IA');
  });
});

describe('names and dates', () => {
  it('formats DICOM person names and dates for people', async () => {
    expect(formatPersonName('^^^^')).toBe('');
    expect(formatPersonName('DOE^JOHN')).toBe('DOE, JOHN');
    expect(formatPersonName('DOE^JOHN^A^DR^JR')).toBe('DOE, DR JOHN A, JR');
    expect(formatPersonName('Yamada^Tarou=山田^太郎')).toBe('Yamada, Tarou');
    expect(formatPersonName('LIDC-IDRI-0001')).toBe('LIDC-IDRI-0001');
    expect(formatPersonName(undefined)).toBe('');
    expect(formatDicomDate('20000101')).toBe('2000-01-01');
    expect(formatDicomDate('2000.01.01')).toBe('2000-01-01');
    expect(formatDicomDate('20000231')).toBe('20000231');
    expect(formatDicomDate('')).toBe('');
    const se = await lidcSeries();
    expect(formatDicomDate(se.studyDate)).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });
});

describe('window presets', () => {
  it('gives CT its presets on 1–5 and auto on 0, and non-CT images their own window', async () => {
    const se = await lidcSeries();
    const hu = await huOf(se.slices[0]?.path ?? '');
    const ct = { kind: 'slice' as const, itemId: 'x', width: 512, height: 512, hu, spacing: [0.7, 0.7] as [number, number], position: 0, presets: [{ name: 'Lung', center: -600, width: 1500 }, { name: 'Mediastinum', center: 40, width: 350 }] };
    const auto = autoWindow(hu);
    const [lo, hi] = hu.reduce(([a, b], v) => [Math.min(a, v), Math.max(b, v)], [Infinity, -Infinity]);
    expect(auto.center - auto.width / 2).toBe(lo);
    expect(auto.center + auto.width / 2).toBe(hi);
    expect(hi - lo).toBeGreaterThan(1500);
    expect(presetForKey(ct, '2')?.name).toBe('Mediastinum');
    expect(presetForKey(ct, '5')).toBeNull();
    expect(presetForKey(ct, '0')?.name).toBe('Auto');
    expect(initialWindow(ct)).toEqual({ center: -600, width: 1500 });
    const mr = await decodeFrame(dataPath('dicom/pydicom/MR_small_implicit.dcm'), 0);
    const mrHu = Int16Array.from(mr.modality ?? [], (v) => Math.round(v));
    const w = initialWindow({ ...ct, hu: mrHu, presets: [] });
    const [mlo, mhi] = mrHu.reduce(([a, b], v) => [Math.min(a, v), Math.max(b, v)], [Infinity, -Infinity]);
    expect(w.width).toBe(mhi - mlo);
    expect(w.center).toBeGreaterThan(0);
  });
});

describe('multiplanar reformat', () => {
  it('builds the LIDC series once and reformats coronal and sagittal planes that match the slices', async () => {
    const se = await lidcSeries();
    const ordered = viewerOrder(se.slices.map((s) => ({ path: s.path, patientPosition: s.geometry.position as Vec3 })), se.slices[0]?.geometry.orientation);
    const slices = await Promise.all(ordered.map((r) => huOf(r.path)));
    const vol = new SeriesVolume(512, 512, slices);
    expect(vol.depth).toBe(16);
    const cor = vol.reformat('coronal', 256);
    const sag = vol.reformat('sagittal', 200);
    expect([cor.width, cor.height, sag.width, sag.height]).toEqual([512, 16, 512, 16]);
    for (let k = 0; k < 16; k++)
      for (const x of [0, 100, 256, 511]) {
        expect(cor.data[k * 512 + x]).toBe(slices[k]?.[256 * 512 + x]);
        expect(sag.data[k * 512 + x]).toBe(slices[k]?.[x * 512 + 200]);
      }
    // The plane through the chest holds both air (lungs) and soft tissue.
    expect(cor.data.reduce((a, v) => Math.min(a, v), 0)).toBeLessThan(-800);
    expect(cor.data.reduce((a, v) => Math.max(a, v), 0)).toBeGreaterThan(0);
    expect(() => new SeriesVolume(512, 512, [new Int16Array(10)])).toThrow(/slice 1 is 10 pixels/);
  });

  it('draws a plane in true proportion: pixel spacing across, slice spacing down', async () => {
    const se = await lidcSeries();
    const [row = 1, col = 1] = se.slices[0]?.geometry.pixelSpacing ?? [];
    const zs = se.slices.map((s) => s.geometry.position?.[2] ?? 0);
    const spacing = sliceSpacing(se.slices.map((s) => s.geometry.position), se.slices[0]?.geometry.orientation) ?? 0;
    expect(spacing).toBeCloseTo((Math.max(...zs) - Math.min(...zs)) / 15, 6);
    const box = fitPlane(512, 16, col, spacing, 400, 400);
    expect(box.w).toBeCloseTo(400, 6);
    expect(box.h / box.w).toBeCloseTo((16 * spacing) / (512 * col), 6);
    expect(box.y).toBeCloseTo((400 - box.h) / 2, 6);
    // Tall and narrow (a sagittal plane of a long series) fits the height instead.
    const tall = fitPlane(100, 300, row, 2.5, 400, 400);
    expect([tall.h, tall.w]).toEqual([400, (400 * 100 * row) / (300 * 2.5)]);
  });

  it('gathers the mask the same way, missing slices empty, and blends it in the segment colour', () => {
    const masks = [new Uint8Array(12).fill(1), undefined, new Uint8Array(12)];
    const plane = gatherPlane((k) => masks[k], 4, 3, 3, 'sagittal', 2, new Uint8Array(9));
    expect(Array.from(plane.data)).toEqual([1, 1, 1, 0, 0, 0, 0, 0, 0]);
    const image = { width: 3, height: 3, data: Int16Array.from([-1000, 0, 1000, 0, 0, 0, 0, 0, 0]) };
    const out = new Uint8ClampedArray(36);
    renderPlane(image, plane, { center: 0, width: 2000 }, new Map([[1, 0xff0000]]), 1, out);
    expect(Array.from(out.slice(0, 12))).toEqual([255, 0, 0, 255, 255, 0, 0, 255, 255, 0, 0, 255]);
    expect(Array.from(out.slice(12, 16))).toEqual([128, 128, 128, 255]);
  });
});

describe('intensity-bounded flood fill', () => {
  it('fills the lung air around the seed on a LIDC slice and stops at the chest wall', async () => {
    const se = await lidcSeries();
    const path = se.slices[Math.floor(se.slices.length / 2)]?.path ?? '';
    const hu = await huOf(path);
    // Seed: the darkest pixel in the middle band of the left half (the right lung), well inside the body.
    let seed = 0;
    for (let y = 200; y < 312; y++) for (let x = 120; x < 240; x++) if ((hu[y * 512 + x] ?? 0) < (hu[seed] ?? 0) || seed === 0) seed = y * 512 + x;
    const data = new Uint8Array(512 * 512);
    const rec = new EditRecorder(512, 512, data);
    const seedHu = hu[seed] ?? 0;
    const n = floodFillRange(rec, hu, seed % 512, Math.floor(seed / 512), 1, 250);
    expect(n).toBeGreaterThan(5000);
    expect(n).toBeLessThan(512 * 512 / 3);
    let inRange = 0;
    let count = 0;
    for (let i = 0; i < data.length; i++)
      if (data[i]) {
        count++;
        if (Math.abs((hu[i] ?? 0) - seedHu) <= 250) inRange++;
      }
    expect(count).toBe(n);
    expect(inRange).toBe(n);
    // Outside the body is air too, but not connected through the chest wall: the image corners stay empty.
    expect(data[0]).toBe(0);
    expect(data[511]).toBe(0);
    expect(rec.finish().indices.length).toBe(n);
  });

  it('compares luminance on photographs and refuses bad input', () => {
    const rgba = new Uint8Array(4 * 4 * 4);
    for (let i = 0; i < 16; i++) rgba.set(i % 4 < 2 ? [250, 250, 250, 255] : [20, 10, 5, 255], i * 4);
    const lum = fillIntensity({ kind: 'photo', rgba, width: 4, height: 4 });
    const data = new Uint8Array(16);
    expect(floodFillRange(new EditRecorder(4, 4, data), lum, 3, 0, 2, 30)).toBe(8);
    expect(Array.from(data.slice(0, 4))).toEqual([0, 0, 2, 2]);
    expect(() => floodFillRange(new EditRecorder(4, 4, data), new Float32Array(3), 0, 0, 1, 5)).toThrow(/3 pixels/);
    expect(floodFillRange(new EditRecorder(4, 4, data), lum, -1, 9, 1, 5)).toBe(0);
  });
});
