// DICOM SEG on real CT: export passes dciodvfy, pydicom reads identical masks, our importer round-trips, dcmqi SEG imports.
import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll } from 'vitest';
import { dataPath } from '../../helpers/data.js';
import { python, requireTool } from '../../helpers/tools.js';
import { indexPaths } from '../../../main/services/dicom/indexer.js';
import { loadSeries, type LoadedSeries } from '../../../main/services/dicom/series.js';
import { writeSeriesMasks } from '../../../main/services/masks/write.js';
import { importSeg } from '../../../main/services/masks/seg-import.js';
import { decodeMaskPng } from '../../../main/services/masks/png.js';
import { markEdited, proposedSegment, LUNG, type MaskVolume } from '../../../main/services/masks/model.js';
import { FileExistsError } from '../../../main/services/fs/atomic.js';

let out: string;
let series: LoadedSeries;
let volume: MaskVolume;
let segPath: string;

/** Real masks from the real slices: air inside the scan (lung, label 1, edited by a person) and bone (label 2). */
function thresholdMasks(s: LoadedSeries): MaskVolume {
  const slices = s.slices.map((sl) => {
    const m = new Uint8Array(sl.width * sl.height);
    for (let i = 0; i < m.length; i++) {
      const hu = sl.hu[i]!;
      const x = i % sl.width;
      const y = Math.floor(i / sl.width);
      const inside = (x - 256) ** 2 + (y - 256) ** 2 < 180 ** 2;
      m[i] = inside && hu < -500 ? 1 : hu > 400 ? 2 : 0;
    }
    return m;
  });
  const lung = markEdited(proposedSegment(1, 'Lung', { category: { value: '123037004', scheme: 'SCT', meaning: 'Anatomical Structure' }, type: LUNG, color: [40, 120, 220] }));
  return { width: 512, height: 512, slices, segments: [lung, proposedSegment(2, 'Bone', { color: [240, 240, 200] })] };
}

beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), 's3-seg-'));
  const idx = await indexPaths([dataPath('ct/lidc/LIDC-IDRI-0001')]);
  series = await loadSeries(idx.series[0]!);
  volume = thresholdMasks(series);
  [segPath] = (await writeSeriesMasks(series, volume, 'seg', out)) as [string];
});
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('DICOM SEG export', () => {
  it('passes dciodvfy with no errors', () => {
    const tool = requireTool('dciodvfy', 'dicom3tools');
    const run = spawnSync(tool, [segPath], { encoding: 'utf8' });
    const report = `${run.stdout}${run.stderr}`;
    expect(report).toContain('Segmentation');
    expect(report.split('\n').filter((l) => /^Error/.test(l))).toEqual([]);
  });

  it('pydicom reads it: identity copied, algorithm types, references, and identical per-frame masks', () => {
    const info = python<{ patient: string; study: string; types: string[]; refSeries: string; frames: { sop: string; seg: number; sum: number; pos: number[] }[] }>(
      `import pydicom, json, sys
d = pydicom.dcmread(sys.argv[1]); a = d.pixel_array
frames = []
for i, f in enumerate(d.PerFrameFunctionalGroupsSequence):
    frames.append({'sop': f.DerivationImageSequence[0].SourceImageSequence[0].ReferencedSOPInstanceUID,
                   'seg': int(f.SegmentIdentificationSequence[0].ReferencedSegmentNumber), 'sum': int(a[i].sum()),
                   'pos': [float(v) for v in f.PlanePositionSequence[0].ImagePositionPatient]})
print(json.dumps({'patient': d.PatientID, 'study': d.StudyInstanceUID, 'types': [s.SegmentAlgorithmType for s in d.SegmentSequence],
  'refSeries': d.ReferencedSeriesSequence[0].SeriesInstanceUID, 'frames': frames}))`,
      [segPath],
    );
    expect(info.patient).toBe(series.index.patientID);
    expect(info.study).toBe(series.index.studyInstanceUID);
    expect(info.refSeries).toBe(series.index.seriesInstanceUID);
    expect(info.types).toEqual(['SEMIAUTOMATIC', 'AUTOMATIC']);
    for (const f of info.frames) {
      const k = series.slices.findIndex((s) => s.sopInstanceUID === f.sop);
      expect(k).toBeGreaterThanOrEqual(0);
      expect(f.pos[2]).toBeCloseTo(series.slices[k]!.geometry.position![2], 4);
      expect(f.sum).toBe(volume.slices[k]!.filter((v) => v === f.seg).length);
    }
    expect(info.frames.length).toBeGreaterThan(series.slices.length);
  });

  it('our importer reads back identical label maps and segment metadata', async () => {
    const back = await importSeg(segPath, series.index);
    expect(back.segments.map((s) => [s.label, s.name, s.algorithmType])).toEqual([
      [1, 'Lung', 'SEMIAUTOMATIC'],
      [2, 'Bone', 'AUTOMATIC'],
    ]);
    for (const [a, b] of back.segments.map((s, i) => [s.color, volume.segments[i]!.color] as const)) {
      for (let c = 0; c < 3; c++) expect(Math.abs(a[c]! - b[c]!)).toBeLessThanOrEqual(2);
    }
    back.slices.forEach((m, k) => expect(Buffer.compare(Buffer.from(m), Buffer.from(volume.slices[k]!))).toBe(0));
  });

  it('never overwrites an existing file unless asked', async () => {
    const idx = series.index;
    const png = await writeSeriesMasks(idx, volume, 'png', out);
    expect(png.map((p) => basename(p))).toEqual(idx.slices.map((s) => basename(s.path).replace(/\.dcm$/, '.mask.png')));
    const decoded = await decodeMaskPng(png[3]!);
    expect([decoded.width, decoded.height]).toEqual([512, 512]);
    expect(Buffer.compare(Buffer.from(decoded.mask), Buffer.from(volume.slices[3]!.map((v) => (v ? 1 : 0))))).toBe(0);
    rmSync(png[5]!);
    await expect(writeSeriesMasks(idx, volume, 'png', out)).rejects.toBeInstanceOf(FileExistsError);
    expect(existsSync(png[5]!)).toBe(false); // nothing written when any target clashes
    await expect(writeSeriesMasks(idx, volume, 'png', out, { overwrite: true })).resolves.toHaveLength(16);
  });
});

describe('DICOM SEG export on other sources', () => {
  it.each([
    ['GE CT, implicit VR (dcmqi sample)', 'ct/dcmqi-ct3slice'],
    ['slice without Modality or Patient ID', 'dicom/no-modality/0.dcm'],
    ['enhanced multi-frame CT (frames referenced by number)', 'dicom/multiframe-encapsulated/CT0012.not_fragmented_bot_rle.dcm'],
  ])('%s: dciodvfy reports no errors and the masks read back', async (_name, rel) => {
    const tool = requireTool('dciodvfy', 'dicom3tools');
    const src = (await indexPaths([dataPath(rel)])).series.find((s) => s.modality !== 'SEG')!;
    const masks = src.slices.map((s, k) => Uint8Array.from({ length: s.rows * s.columns }, (_, i) => ((i + k) % 97 < 30 ? 1 : 0)));
    const [file] = (await writeSeriesMasks(src, masks, 'seg', join(out, 'others', rel.replace(/\W/g, '_')))) as [string];
    const run = spawnSync(tool, [file], { encoding: 'utf8' });
    expect(`${run.stdout}${run.stderr}`.split('\n').filter((l) => /^Error/.test(l))).toEqual([]);
    const back = await importSeg(file, src);
    back.slices.forEach((m, k) => expect(Buffer.compare(Buffer.from(m), Buffer.from(masks[k]!))).toBe(0));
  });
});

describe('algorithm type from plain label maps', () => {
  it('AUTOMATIC by default, SEMIAUTOMATIC when the caller says a person edited them', async () => {
    const dir = join(out, 'types');
    const [auto] = await writeSeriesMasks(series.index, volume.slices, 'seg', join(dir, 'a'));
    const [edited] = await writeSeriesMasks(series.index, volume.slices, 'seg', join(dir, 'e'), { edited: true });
    expect((await importSeg(auto!, series.index)).segments.map((s) => s.algorithmType)).toEqual(['AUTOMATIC', 'AUTOMATIC']);
    expect((await importSeg(edited!, series.index)).segments.map((s) => s.algorithmType)).toEqual(['SEMIAUTOMATIC', 'SEMIAUTOMATIC']);
  });
});

describe('DICOM SEG refusals', () => {
  it('a de-identified series without Study/Series UIDs gets a clear error, not an invalid SEG', async () => {
    const abdomen = (await indexPaths([dataPath('dicom/ct-abdomen-j2k-series')])).series[0]!;
    // SOP UIDs blanked in the data set are recovered from the File Meta header.
    expect(abdomen.slices.every((s) => s.sopInstanceUID.startsWith('1.3.12.2.1107'))).toBe(true);
    const empty = abdomen.slices.map(() => new Uint8Array(512 * 512));
    await expect(writeSeriesMasks(abdomen, empty, 'seg', out)).rejects.toThrow(/no Study Instance UID, Series Instance UID.*NIfTI or PNG/);
  });
});

describe('DICOM SEG import', () => {
  it('dcmqi liver SEG lands on its source CT slices, matching pydicom frame by frame', async () => {
    const idx = await indexPaths([dataPath('ct/dcmqi-ct3slice')]);
    const ct = idx.series.find((s) => s.modality === 'CT')!;
    const segFile = dataPath('ct/dcmqi-ct3slice/liver_seg.dcm');
    const vol = await importSeg(segFile, ct);
    const ref = python<{ sop: string; sum: number }[]>(
      `import pydicom, json, sys
d = pydicom.dcmread(sys.argv[1]); a = d.pixel_array
print(json.dumps([{'sop': f.DerivationImageSequence[0].SourceImageSequence[0].ReferencedSOPInstanceUID, 'sum': int(a[i].sum())} for i, f in enumerate(d.PerFrameFunctionalGroupsSequence)]))`,
      [segFile],
    );
    expect(vol.segments.map((s) => s.name)).toEqual(['Liver']);
    for (const r of ref) {
      const k = ct.slices.findIndex((s) => s.sopInstanceUID === r.sop);
      expect(vol.slices[k]!.filter((v) => v === 1).length).toBe(r.sum);
    }
    expect(ref.reduce((n, r) => n + r.sum, 0)).toBeGreaterThan(1000);
  });
});
