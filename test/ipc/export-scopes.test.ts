// Export writes exactly what was reviewed: each scope × review status, as SEG (dciodvfy, pydicom), NIfTI (nibabel) and PNG.
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIpc, type IpcHost } from '../../main/ipc';
import { SessionStore } from '../../main/services/session/store';
import { StudyLibrary } from '../../main/services/library/library';
import { createProvider } from '../../main/services/library/provider';
import { inlineDecoder } from '../../main/services/library/decode-pool';
import type { ExportDone, ExportPlan, Result, SessionState, StudyIndex } from '../../main/contracts';
import { dataPath } from '../helpers/data';
import { python, requireTool } from '../helpers/tools';

let dir: string;
let ipc: IpcHost;
let studyKey: string;
let ids: string[];
const call = async <T>(channel: string, payload: unknown): Promise<Result<T>> => (await ipc.handlers[channel]!(payload)) as Result<T>;
const value = <T>(r: Result<T>): T => {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
};

// LIDC-IDRI-0001, 16 slices: 0–5 accepted, 6 corrected, 7 rejected, 8–14 proposed (unreviewed), 15 never run.
const ACCEPTED = [0, 1, 2, 3, 4, 5];
const CORRECTED = 6;
const REJECTED = 7;
const PROPOSED = [8, 9, 10, 11, 12, 13, 14];
/** A band of rows whose place says which slice's mask it is. */
const maskOf = (slice: number): Uint8Array => new Uint8Array(512 * 512).fill(1, (100 + slice * 10) * 512, (105 + slice * 10) * 512);
/** Pixels in slice k's band (the same for every slice: the band's place, not its size, tells them apart). */
const rowsOf = (_slice: number): number => 5 * 512;

let n = 0;
async function exportTo(format: 'seg' | 'nifti' | 'png', itemIds: string[], opts: { rejected?: 'empty' | 'omit'; includeUnreviewed?: boolean } = {}): Promise<ExportDone & { out: string }> {
  const out = join(dir, `out-${n++}`);
  const done = value(await call<ExportDone>('export:run', { studyKey, format, destination: out, itemIds, overwrite: false, ...opts }));
  return { ...done, out };
}

interface SegInfo { creator: string; referenced: string[]; frames: Array<{ sop: string; sum: number }>; types: string[] }
const readSeg = (path: string): SegInfo =>
  python<SegInfo>(
    `import pydicom, json, sys
d = pydicom.dcmread(sys.argv[1]); a = d.pixel_array.reshape((-1,) + d.pixel_array.shape[-2:])
print(json.dumps({'creator': str(d.ContentCreatorName), 'types': [s.SegmentAlgorithmType for s in d.SegmentSequence],
  'referenced': [r.ReferencedSOPInstanceUID for r in d.ReferencedSeriesSequence[0].ReferencedInstanceSequence],
  'frames': [{'sop': f.DerivationImageSequence[0].SourceImageSequence[0].ReferencedSOPInstanceUID, 'sum': int(a[i].sum())} for i, f in enumerate(d.PerFrameFunctionalGroupsSequence)]}))`,
    [path],
  );
const dciodvfyErrors = (path: string): string[] => {
  const run = spawnSync(requireTool('dciodvfy', 'dicom3tools'), [path], { encoding: 'utf8' });
  return `${run.stdout}${run.stderr}`.split('\n').filter((l) => /^Error/.test(l));
};

let sops: string[];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 's3-export-scopes-'));
  ipc = createIpc({
    library: new StudyLibrary(createProvider(inlineDecoder().decode)),
    store: new SessionStore(join(dir, 'data')),
    dialogs: { chooseOpen: async () => null, chooseExportFolder: async () => null },
    events: { send: () => undefined },
    segmenter: async () => {
      throw new Error('not used here');
    },
  });
  value(await call('session:set-preferences', { reviewerName: 'Ada Lovelace' }));
  const index = value(await call<StudyIndex>('study:open', { paths: [dataPath('ct/lidc/LIDC-IDRI-0001')] }));
  studyKey = index.studyKey;
  ids = index.patients[0]!.studies[0]!.series[0]!.items.map((i) => i.itemId);
  expect(ids).toHaveLength(16);
  const save = (k: number): Promise<Result<unknown>> => call('session:save-mask', { studyKey, itemId: ids[k], width: 512, height: 512, mask: maskOf(k) });
  for (const k of [...ACCEPTED, CORRECTED, REJECTED, ...PROPOSED]) value(await save(k));
  for (const k of ACCEPTED) value(await call('session:set-status', { studyKey, itemId: ids[k], status: 'accepted' }));
  value(await call('session:set-status', { studyKey, itemId: ids[CORRECTED], status: 'corrected' }));
  value(await call('session:set-status', { studyKey, itemId: ids[REJECTED], status: 'rejected' }));
  for (const k of PROPOSED) value(await call('session:set-status', { studyKey, itemId: ids[k], status: 'proposed' }));
  // The SOP instance of each slice, from the sources themselves.
  sops = python<string[]>(
    `import pydicom, json, sys
print(json.dumps([str(pydicom.dcmread(p.split('#')[0], stop_before_pixels=True).SOPInstanceUID) for p in sys.argv[1:]]))`,
    ids,
  );
}, 60_000);
afterAll(async () => {
  await ipc.close();
  await rm(dir, { recursive: true, force: true });
});

const reviewed = (): string[] => [...ACCEPTED, CORRECTED].map((k) => ids[k]!);
const at = (ks: number[]): string[] => ks.map((k) => sops[k]!);

describe('review semantics in main', () => {
  it('refuses to accept a never-run or empty item unless "accept empty" is confirmed, and keeps corrected items corrected', async () => {
    const never = await call('session:set-status', { studyKey, itemId: ids[15], status: 'accepted' });
    expect(never.ok).toBe(false);
    if (!never.ok) expect(never.error.message).toMatch(/has not run on this item.*Accept empty/);
    value(await call('session:save-mask', { studyKey, itemId: ids[15], width: 512, height: 512, mask: new Uint8Array(512 * 512) }));
    const empty = await call('session:set-status', { studyKey, itemId: ids[15], status: 'accepted' });
    expect(!empty.ok && empty.error.message).toMatch(/mask is empty/);
    value(await call('session:set-status', { studyKey, itemId: ids[CORRECTED], status: 'accepted' }));
    const state = value(await call<SessionState>('session:load', { studyKey }));
    expect(state.statuses[ids[15]!]).toBeUndefined();
    expect(state.statuses[ids[CORRECTED]!]).toBe('corrected');
    expect(state.decisions[ids[CORRECTED]!]?.reviewer).toBe('Ada Lovelace');
    expect(state.decisions[ids[0]!]?.status).toBe('accepted');
    // Slice 15 keeps no status: an empty saved mask is not a proposal, so it stays "not run".
  });
});

describe('export plan', () => {
  it('says before writing what will go out, for each choice', async () => {
    const plan = async (itemIds: string[], o: object = {}): Promise<string> => value(await call<ExportPlan>('export:plan', { studyKey, format: 'seg', itemIds, ...o })).summary;
    expect(await plan(ids)).toBe('6 accepted, 1 corrected, 7 unreviewed left out, 1 rejected written empty, 1 not run left out');
    expect(await plan(ids, { rejected: 'omit', includeUnreviewed: true })).toBe('6 accepted, 1 corrected, 7 unreviewed included, 1 rejected left out, 1 not run left out');
    expect(await plan(reviewed())).toBe('6 accepted, 1 corrected');
    expect(await plan([ids[REJECTED]!], { rejected: 'omit' })).toBe('Nothing to write (1 rejected left out)');
    const none = await call('export:run', { studyKey, format: 'seg', destination: join(dir, 'none'), itemIds: [ids[REJECTED]], overwrite: false, rejected: 'omit' });
    expect(!none.ok && none.error.message).toMatch(/nothing to export/);
    const outside = await call('export:plan', { studyKey, format: 'seg', itemIds: ['/etc/passwd#0'] });
    expect(!outside.ok && outside.error.code).toBe('not-found');
  });
});

describe('DICOM SEG', () => {
  it('"this series": the reviewed slices and the rejected one (empty), nothing unreviewed; valid per dciodvfy', async () => {
    const { files, plan } = await exportTo('seg', ids);
    expect(plan.written).toBe(8);
    expect(dciodvfyErrors(files[0]!)).toEqual([]);
    const seg = readSeg(files[0]!);
    expect(seg.referenced.sort()).toEqual(at([...ACCEPTED, CORRECTED, REJECTED]).sort());
    expect(seg.frames.map((f) => f.sop).sort()).toEqual(at([...ACCEPTED, CORRECTED]).sort());
    for (const f of seg.frames) expect(f.sum).toBe(rowsOf(sops.indexOf(f.sop)));
    expect(seg.creator).toBe('Lovelace^Ada');
    expect(seg.types).toEqual(['SEMIAUTOMATIC']);
  });

  it('"all accepted or corrected" and rejected left out: exactly those seven slices', async () => {
    const { files } = await exportTo('seg', reviewed(), { rejected: 'omit' });
    expect(dciodvfyErrors(files[0]!)).toEqual([]);
    const seg = readSeg(files[0]!);
    expect(seg.referenced.sort()).toEqual(at([...ACCEPTED, CORRECTED]).sort());
    expect(seg.frames).toHaveLength(7);
  });

  it('"this item": one slice referenced, one frame, S3-Net\'s own (AUTOMATIC) mask', async () => {
    const { files } = await exportTo('seg', [ids[3]!]);
    expect(dciodvfyErrors(files[0]!)).toEqual([]);
    const seg = readSeg(files[0]!);
    expect(seg.referenced).toEqual(at([3]));
    expect(seg.frames).toEqual([{ sop: sops[3], sum: rowsOf(3) }]);
    expect(seg.types).toEqual(['AUTOMATIC']);
  });

  it('"everything" with unreviewed proposals included: every slice with work on it', async () => {
    const { files, plan } = await exportTo('seg', ids, { includeUnreviewed: true });
    expect(plan.written).toBe(15);
    expect(dciodvfyErrors(files[0]!)).toEqual([]);
    const seg = readSeg(files[0]!);
    expect(seg.referenced.sort()).toEqual(at([...ACCEPTED, CORRECTED, REJECTED, ...PROPOSED]).sort());
    expect(seg.frames.map((f) => f.sop).sort()).toEqual(at([...ACCEPTED, CORRECTED, ...PROPOSED]).sort());
  });
});

describe('SEG terminology', () => {
  it('writes the segment type picked from the built-in list as its SNOMED CT code, and refuses an unknown one', async () => {
    const terms = value(await call<Array<{ id: string; code: string }>>('session:terminology', null));
    expect(terms.find((t) => t.id === 'lung')?.code).toBe('39607008');
    const out = join(dir, 'terms');
    const segments = [{ value: 1, label: 'Nodule', color: '#ffaa00', term: 'nodule' }];
    const done = value(await call<ExportDone>('export:run', { studyKey, format: 'seg', destination: out, itemIds: [ids[3]], overwrite: false, segments }));
    const seg = python<{ label: string; code: string; category: string }>(
      `import pydicom, json, sys
s = pydicom.dcmread(sys.argv[1]).SegmentSequence[0]
print(json.dumps({'label': s.SegmentLabel, 'code': s.SegmentedPropertyTypeCodeSequence[0].CodeValue, 'category': s.SegmentedPropertyCategoryCodeSequence[0].CodeMeaning}))`,
      [done.files[0]!],
    );
    expect(seg).toEqual({ label: 'Nodule', code: '27925004', category: 'Morphologically Altered Structure' });
    const bad = await call('export:run', { studyKey, format: 'seg', destination: join(dir, 'terms-bad'), itemIds: [ids[3]], overwrite: false, segments: [{ ...segments[0], term: 'unicorn' }] });
    expect(!bad.ok && bad.error.message).toMatch(/unknown segment type "unicorn"/);
  });
});

describe('NIfTI', () => {
  const readNifti = (path: string): { shape: number[]; sums: number[]; origin: number[] } =>
    python(
      `import nibabel, json, sys, numpy
img = nibabel.load(sys.argv[1]); a = numpy.asarray(img.dataobj)
print(json.dumps({'shape': list(a.shape), 'sums': [int(a[:, :, k].sum()) for k in range(a.shape[2])], 'origin': [float(v) for v in img.affine[:3, 3]]}))`,
      [path],
    );

  it('"this series": spans the exported slices, the rejected one empty, unreviewed proposals absent', async () => {
    const { files } = await exportTo('nifti', ids);
    const v = readNifti(files[0]!);
    expect(v.shape).toEqual([512, 512, 8]);
    expect(v.sums).toEqual([...ACCEPTED, CORRECTED].map(rowsOf).concat([0]));
  });

  it('"this item": one slice at its own position', async () => {
    const wholePath = (await exportTo('nifti', ids, { includeUnreviewed: true })).files[0]!;
    const whole = readNifti(wholePath);
    expect(whole.shape).toEqual([512, 512, 15]);
    expect(whole.sums).toEqual([...ACCEPTED, CORRECTED].map(rowsOf).concat([0], PROPOSED.map(rowsOf)));
    const one = readNifti((await exportTo('nifti', [ids[3]!])).files[0]!);
    expect(one.shape).toEqual([512, 512, 1]);
    expect(one.sums).toEqual([rowsOf(3)]);
    // Slice 3 of the whole volume sits where the one-slice volume does: three steps along the slice axis from slice 0.
    const step = python<number[]>(
      `import nibabel, json, sys
print(json.dumps([float(v) for v in nibabel.load(sys.argv[1]).affine[:3, 2]]))`,
      [wholePath],
    );
    one.origin.forEach((o, k) => expect(o).toBeCloseTo(whole.origin[k]! + 3 * step[k]!, 3));
  });
});

describe('PNG', () => {
  const pngSum = async (path: string): Promise<number> => {
    const { data } = await sharp(path).greyscale().raw().toBuffer({ resolveWithObject: true });
    return data.reduce((s, v) => s + (v ? 1 : 0), 0);
  };

  it('"all accepted or corrected": one file per reviewed slice, nothing else', async () => {
    const { files, out } = await exportTo('png', reviewed());
    expect(files).toHaveLength(7);
    expect((await readdir(out)).sort()).toEqual(files.map((f) => f.slice(out.length + 1)).sort());
    for (const [j, k] of [...ACCEPTED, CORRECTED].entries()) expect(await pngSum(files[j]!)).toBe(rowsOf(k));
  });

  it('"this series": the rejected slice written empty, or left out when asked', async () => {
    const empty = await exportTo('png', ids);
    expect(empty.files).toHaveLength(8);
    expect(await pngSum(empty.files[7]!)).toBe(0);
    const omit = await exportTo('png', ids, { rejected: 'omit' });
    expect(omit.files).toHaveLength(7);
  });
});
