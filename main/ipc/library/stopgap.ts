// Stopgap provider until main/services/dicom and main/services/images land: uncompressed DICOM and BMP/PNG/JPEG photos.
import { readFile, readdir, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import dicomParser from 'dicom-parser';
import sharp from 'sharp';
import type { ItemData, PatientSummary } from '../../contracts';
import type { IndexedFiles, ItemSource, StudyProvider } from './types';
import { IpcError } from '../handler';
import { writeFileAtomic } from '../../services/fs/atomic';

const PHOTO_EXT = new Set(['.bmp', '.png', '.jpg', '.jpeg']);
const CT_PRESETS = [
  { name: 'Lung', center: -600, width: 1500 },
  { name: 'Mediastinum', center: 40, width: 400 },
  { name: 'Bone', center: 400, width: 1800 },
  { name: 'Soft tissue', center: 50, width: 350 },
];

async function walk(path: string, out: string[]): Promise<void> {
  const s = await stat(path);
  if (s.isDirectory()) for (const name of (await readdir(path)).sort()) await walk(join(path, name), out);
  else out.push(path);
}

interface SliceMeta {
  path: string;
  patientId: string;
  name: string;
  studyUid: string;
  studyDesc: string;
  date: string;
  seriesUid: string;
  seriesDesc: string;
  modality: string;
  width: number;
  height: number;
  z: number;
}

export function createStopgapProvider(): StudyProvider {
  return {
    async index(realPaths) {
      const files: string[] = [];
      for (const p of realPaths) await walk(p, files);
      const slices: SliceMeta[] = [];
      const photos: IndexedFiles['photos'] = [];
      const skipped: IndexedFiles['skipped'] = [];
      const sources = new Map<string, ItemSource>();
      for (const path of files) {
        const ext = extname(path).toLowerCase();
        if (PHOTO_EXT.has(ext)) {
          if (/_(lesion|segmentation|mask)\./i.test(path) || path.includes('/masks/')) continue;
          const meta = await sharpOrBmpSize(path);
          photos.push({ itemId: path, kind: 'photo', label: basename(path), position: null, ...meta });
          sources.set(path, { kind: 'photo', path });
          continue;
        }
        try {
          const ds = dicomParser.parseDicom(new Uint8Array(await readFile(path)), { untilTag: 'x7fe00010' });
          const ipp = (ds.string('x00200032') ?? '').split('\\').map(Number);
          slices.push({
            path,
            patientId: ds.string('x00100020') ?? '',
            name: ds.string('x00100010') ?? '',
            studyUid: ds.string('x0020000d') ?? '',
            studyDesc: ds.string('x00081030') ?? '',
            date: ds.string('x00080020') ?? '',
            seriesUid: ds.string('x0020000e') ?? path,
            seriesDesc: ds.string('x0008103e') ?? '',
            modality: ds.string('x00080060') ?? '',
            width: ds.uint16('x00280011') ?? 0,
            height: ds.uint16('x00280010') ?? 0,
            z: ipp[2] ?? Number(ds.string('x00200013') ?? 0),
          });
        } catch {
          skipped.push({ path, reason: 'not a DICOM file' });
        }
      }
      const patients: PatientSummary[] = [];
      for (const s of slices.sort((a, b) => a.z - b.z)) {
        let p = patients.find((x) => x.patientId === s.patientId);
        if (!p) patients.push((p = { patientId: s.patientId, name: s.name, studies: [] }));
        let st = p.studies.find((x) => x.studyUid === s.studyUid);
        if (!st) p.studies.push((st = { studyUid: s.studyUid, description: s.studyDesc, date: s.date, series: [] }));
        let se = st.series.find((x) => x.seriesUid === s.seriesUid);
        if (!se) st.series.push((se = { seriesUid: s.seriesUid, description: s.seriesDesc, modality: s.modality, width: s.width, height: s.height, items: [] }));
        const itemId = `${s.path}#0`;
        sources.set(itemId, { kind: 'slice', path: s.path, frameIndex: 0, seriesUid: s.seriesUid, sliceIndex: se.items.length });
        se.items.push({ itemId, kind: 'slice', label: basename(s.path), position: s.z });
      }
      return { patients, photos, skipped, sources };
    },

    async load(source, itemId): Promise<ItemData> {
      if (source.kind === 'photo') {
        const { width, height, rgba } = await decodePhoto(source.path);
        return { kind: 'photo', itemId, width, height, rgba };
      }
      const bytes = new Uint8Array(await readFile(source.path));
      const ds = dicomParser.parseDicom(bytes);
      const width = ds.uint16('x00280011') ?? 0;
      const height = ds.uint16('x00280010') ?? 0;
      const el = ds.elements['x7fe00010'];
      if (!el || ds.uint16('x00280100') !== 16) throw new IpcError('unavailable', 'only uncompressed 16-bit DICOM is supported here');
      const signed = ds.uint16('x00280103') === 1;
      const slope = Number(ds.string('x00281053') ?? 1);
      const intercept = Number(ds.string('x00281052') ?? 0);
      const view = new DataView(bytes.buffer, bytes.byteOffset + el.dataOffset, width * height * 2);
      const hu = new Int16Array(width * height);
      for (let i = 0; i < hu.length; i++) {
        const v = signed ? view.getInt16(i * 2, true) : view.getUint16(i * 2, true);
        hu[i] = Math.max(-32768, Math.min(32767, Math.round(v * slope + intercept)));
      }
      const ps = (ds.string('x00280030') ?? '1\\1').split('\\').map(Number);
      const ipp = (ds.string('x00200032') ?? '').split('\\').map(Number);
      return { kind: 'slice', itemId, width, height, hu, spacing: [ps[0] ?? 1, ps[1] ?? 1], position: ipp[2] ?? null, presets: CT_PRESETS };
    },

    async exportMasks(format, items, destination, overwrite) {
      if (format !== 'png') throw new IpcError('unavailable', `${format} export needs the DICOM services`);
      const written: string[] = [];
      for (const it of items) {
        const png = await sharp(Buffer.from(it.mask.map((v) => (v ? 255 : 0))), { raw: { width: it.width, height: it.height, channels: 1 } }).png().toBuffer();
        const name = `${basename(it.source.path).replace(/\.[^.]+$/, '')}.mask.png`;
        await writeFileAtomic(join(destination, name), new Uint8Array(png), { overwrite });
        written.push(join(destination, name));
      }
      return written;
    },
  };
}

async function sharpOrBmpSize(path: string): Promise<{ width: number; height: number }> {
  if (extname(path).toLowerCase() === '.bmp') {
    const h = new DataView((await readFile(path)).buffer);
    return { width: h.getInt32(18, true), height: Math.abs(h.getInt32(22, true)) };
  }
  const m = await sharp(path).metadata();
  return { width: m.width ?? 0, height: m.height ?? 0 };
}

async function decodePhoto(path: string): Promise<{ width: number; height: number; rgba: Uint8Array }> {
  if (extname(path).toLowerCase() !== '.bmp') {
    const { data, info } = await sharp(path).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    return { width: info.width, height: info.height, rgba: new Uint8Array(data.buffer, data.byteOffset, data.length) };
  }
  const buf = await readFile(path);
  const v = new DataView(buf.buffer, buf.byteOffset, buf.length);
  const offset = v.getUint32(10, true);
  const width = v.getInt32(18, true);
  const rawH = v.getInt32(22, true);
  const height = Math.abs(rawH);
  const bpp = v.getUint16(28, true);
  if (bpp !== 24 && bpp !== 32) throw new IpcError('unavailable', `BMP with ${bpp} bits per pixel is not supported here`);
  const stride = Math.ceil((width * bpp) / 32) * 4;
  const rgba = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    const row = offset + (rawH > 0 ? height - 1 - y : y) * stride;
    for (let x = 0; x < width; x++) {
      const s = row + (x * bpp) / 8;
      const d = (y * width + x) * 4;
      rgba[d] = buf[s + 2] ?? 0;
      rgba[d + 1] = buf[s + 1] ?? 0;
      rgba[d + 2] = buf[s] ?? 0;
      rgba[d + 3] = 255;
    }
  }
  return { width, height, rgba };
}
