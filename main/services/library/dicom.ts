// The study provider over the real DICOM services (indexing, decoding to HU, presets, mask export) plus photos.
import { basename, extname } from 'node:path';
import { indexPaths, writeSeriesMasks, WINDOW_PRESETS, type SeriesIndex } from '../../services/dicom';
import type { Decode } from './decode';
import { markEdited, proposedSegment, type MaskVolume } from '../../services/masks';
import type { ItemData, PatientSummary, SegmentStyle, WindowPreset } from '../../contracts';
import { IpcError } from '../errors';
import type { IndexedFiles, ItemSource, StudyProvider } from './types';
import { PHOTO_EXTENSIONS, photoProvider } from './photos';
import { termById } from '../../services/masks/terminology';

const PRESET_NAMES: Record<string, string> = { lung: 'Lung', mediastinum: 'Mediastinum', bone: 'Bone', brain: 'Brain' };
const CT_PRESETS: WindowPreset[] = Object.entries(WINDOW_PRESETS).map(([k, w]) => ({ name: PRESET_NAMES[k] ?? k, center: w.center, width: w.width }));

export function createDicomProvider(decode: Decode): StudyProvider {
  const photos = photoProvider(decode);
  const seriesByUid = new Map<string, SeriesIndex>();

  return {
    async index(realPaths): Promise<IndexedFiles> {
      const [dicom, pics] = await Promise.all([indexPaths(realPaths), photos.index(realPaths)]);
      const sources = new Map<string, ItemSource>(pics.sources);
      const patients: PatientSummary[] = dicom.patients.map((p) => ({
        patientId: p.patientID,
        name: p.patientName,
        studies: p.studies.map((st) => ({
          studyUid: st.studyInstanceUID,
          description: st.description,
          date: st.studyDate,
          series: st.series
            .filter((se) => se.slices.length > 0 && se.modality !== 'SEG')
            .map((se) => {
              seriesByUid.set(se.seriesInstanceUID, se);
              const items = se.slices.map((s, i) => {
                const itemId = `${s.path}#${s.frameIndex}`;
                sources.set(itemId, { kind: 'slice', path: s.path, frameIndex: s.frameIndex, seriesUid: se.seriesInstanceUID, sliceIndex: i });
                const ipp = s.geometry.position;
                return { itemId, kind: 'slice' as const, label: s.frameIndex ? `${basename(s.path)} #${s.frameIndex + 1}` : basename(s.path), position: ipp?.[2] ?? null, ...(ipp ? { patientPosition: [ipp[0], ipp[1], ipp[2]] as [number, number, number] } : {}) };
              });
              const first = se.slices[0];
              const o = first?.geometry.orientation;
              return { seriesUid: se.seriesInstanceUID, description: se.description, modality: se.modality, width: first?.columns ?? 0, height: first?.rows ?? 0, items, ...(o ? { orientation: [...o] as [number, number, number, number, number, number] } : {}) };
            }),
        })),
      }));
      // Photos are not DICOM: the indexer lists them as skipped, which is not news to the user.
      const skipped = [...dicom.skipped.filter((s) => !PHOTO_EXTENSIONS.has(extname(s.path).toLowerCase())).map((s) => ({ path: s.path, reason: s.reason })), ...pics.skipped];
      return { patients, photos: pics.photos, skipped, sources };
    },

    async load(source, itemId, priority): Promise<ItemData> {
      if (source.kind === 'photo') return photos.load(source, itemId, priority);
      const f = await decode({ kind: 'slice', path: source.path, frameIndex: source.frameIndex }, priority);
      const hu = f.hu;
      const se = seriesByUid.get(source.seriesUid);
      const g = se?.slices[source.sliceIndex]?.geometry;
      const header: WindowPreset[] = f.window ? [{ name: 'Header', center: f.window.center, width: f.window.width }] : [];
      // Only CT has Hounsfield units (a slice without Modality is taken as CT): MR, CR and the rest open in the
      // header's window, or the viewer's min/max one.
      const presets = se?.modality === 'CT' || !se?.modality ? [...CT_PRESETS, ...header] : header;
      return { kind: 'slice', itemId, width: f.width, height: f.height, hu, spacing: [g?.pixelSpacing?.[0] ?? 1, g?.pixelSpacing?.[1] ?? 1], spacingKnown: !!g?.pixelSpacing, position: g?.position?.[2] ?? null, presets };
    },

    async exportMasks(format, items, destination, overwrite, segments, reviewer) {
      const pics = items.filter((i) => i.source.kind === 'photo');
      const slices = items.filter((i) => i.source.kind === 'slice');
      return [
        ...(pics.length ? await photos.exportMasks(format, pics, destination, overwrite) : []),
        ...(slices.length ? await exportSeries(seriesByUid, format, slices, destination, overwrite, segments ?? [], reviewer) : []),
      ];
    },
  };
}

/** One SEG/NIfTI per series (or a PNG per slice) covering exactly the given slices; the others are not written. */
async function exportSeries(
  seriesByUid: ReadonlyMap<string, SeriesIndex>,
  format: Parameters<StudyProvider['exportMasks']>[0],
  items: Parameters<StudyProvider['exportMasks']>[1],
  destination: string,
  overwrite: boolean,
  styles: readonly SegmentStyle[],
  reviewer: string | undefined,
): Promise<string[]> {
  const bySeries = new Map<string, Map<number, Uint8Array>>();
  const edited = new Set<string>();
  for (const it of items) {
    if (it.source.kind !== 'slice') throw new IpcError('invalid', 'cannot export photographs and slices together');
    let m = bySeries.get(it.source.seriesUid);
    if (!m) bySeries.set(it.source.seriesUid, (m = new Map()));
    m.set(it.source.sliceIndex, it.mask);
    if (it.edited) edited.add(it.source.seriesUid);
  }
  const written: string[] = [];
  for (const [uid, masks] of bySeries) {
    const series = seriesByUid.get(uid);
    if (!series) throw new IpcError('not-found', `series ${uid} is not open`);
    const labelMaps = series.slices.map((s, i) => masks.get(i) ?? new Uint8Array(s.columns * s.rows));
    const volume = styledVolume(series, labelMaps, styles, edited.has(uid));
    const options = { overwrite, seriesDescription: 'S3 Annotate masks', edited: edited.has(uid), cover: [...masks.keys()], ...(reviewer ? { reviewer } : {}) };
    written.push(...(await writeSeriesMasks(series, volume ?? labelMaps, format, destination, options)));
  }
  return written;
}

/** The user's segment names and colours for the labels present; null (the writer's defaults) when none apply. */
function styledVolume(series: SeriesIndex, slices: Uint8Array[], styles: readonly SegmentStyle[], edited: boolean): MaskVolume | null {
  const first = series.slices[0];
  if (!first || styles.length === 0) return null;
  const present = new Set<number>();
  for (const s of slices) for (let i = 0; i < s.length; i++) if (s[i]) present.add(s[i] as number);
  const used = styles.filter((st) => present.has(st.value));
  if (used.length === 0 || used.length !== present.size) return null;
  const segments = used.map((st) => {
    const n = parseInt(st.color.slice(1), 16);
    const term = st.term ? termById(st.term) : undefined;
    if (st.term && !term) throw new IpcError('invalid', `unknown segment type "${st.term}"`);
    const codes = term ? { category: term.category, type: term.type } : {};
    const seg = proposedSegment(st.value, st.label, { color: [(n >> 16) & 255, (n >> 8) & 255, n & 255], ...codes });
    return edited ? markEdited(seg) : seg;
  });
  return { width: first.columns, height: first.rows, slices, segments };
}
