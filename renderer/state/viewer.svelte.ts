// Viewer settings beyond one image: the layout (axial, or axial + coronal + sagittal), the crosshair, the series
// volume the reformatted planes come from, and S3-Net's cluster map shown over the image.
import type { ClusterMap, ItemData } from '../../main/contracts';
import { api } from '../api';
import { SeriesVolume } from '../viewport/volume';
import { presetForKey } from '../viewport/window';
import { formatDicomDate, formatPersonName } from '../viewport/format';
import { sliceSpacing, stackDirection, type Orientation, type Vec3 } from '../viewport/geometry';
import type { AppState } from './app.svelte';

export type Layout = 'single' | 'mpr';

export interface SeriesGeometry {
  readonly orientation: Orientation | undefined;
  /** mm between neighbouring slices; the pixel spacing where unknown (square voxels). */
  readonly sliceSpacing: number;
  /** [row spacing, column spacing] in mm, or null where the header has none. */
  readonly pixelSpacing: readonly [number, number] | null;
  /** Patient direction from slice 1 to the last slice (down on the coronal and sagittal planes). */
  readonly stackDirection: Vec3 | null;
}

type Slice = Extract<ItemData, { kind: 'slice' }>;

export class ViewerState {
  layout: Layout = $state('single');
  /** Where the planes cross, in axial pixel coordinates (the slice is the one on screen). */
  cross: { x: number; y: number } | null = $state.raw(null);
  showClusters = $state(false);
  clusters: (ClusterMap & { itemId: string }) | null = $state.raw(null);
  volume: SeriesVolume | null = $state.raw(null);
  /** Series uid of `volume`, and of the build under way. */
  volumeSeries: string | null = $state(null);
  building = $state(false);
  #wanted: string | null = null;

  constructor(private readonly app: AppState) {}

  /** The current series' geometry from the index (orientation, positions) and the slice on screen (pixel spacing). */
  geometry = $derived.by((): SeriesGeometry | null => {
    const app = this.app;
    const item = app.study.current;
    const uid = app.study.currentEntry?.group;
    if (!item || item.kind !== 'slice' || !uid) return null;
    const series = app.study.series.find((s) => s.seriesUid === uid);
    // A lookup built and dropped within this derivation: nothing renders from it.
    // eslint-disable-next-line svelte/prefer-svelte-reactivity
    const byId = new Map(series?.items.map((r) => [r.itemId, r.patientPosition]) ?? []);
    const positions = app.study.group.map((id) => byId.get(id));
    const o = series?.orientation;
    // Providers that do not say assume 1×1 is a stand-in only when the series has no orientation either.
    const known = item.spacing[0] > 0 && item.spacing[1] > 0 && (item.spacingKnown ?? !(item.spacing[0] === 1 && item.spacing[1] === 1 && !o));
    return { orientation: o, sliceSpacing: sliceSpacing(positions, o) ?? item.spacing[0], pixelSpacing: known ? item.spacing : null, stackDirection: stackDirection(positions, o) };
  });

  /** Who and what is on screen, for the corner annotations (names and dates formatted for people). */
  context = $derived.by(() => {
    const uid = this.app.study.currentEntry?.group;
    for (const p of this.app.study.index?.patients ?? [])
      for (const st of p.studies)
        for (const se of st.series)
          if (se.seriesUid === uid)
            return { patient: formatPersonName(p.name), patientId: p.patientId, studyDate: formatDicomDate(st.date), study: st.description, series: se.description, modality: se.modality };
    return null;
  });

  toggleLayout(): void {
    this.layout = this.layout === 'mpr' ? 'single' : 'mpr';
    if (this.layout === 'mpr') void this.ensureVolume();
  }

  /** Builds the current series' volume once (every slice decoded, then one Int16Array); planes are cut from it. */
  async ensureVolume(): Promise<void> {
    const app = this.app;
    const uid = app.study.currentEntry?.group ?? null;
    const item = app.study.current;
    if (!uid || item?.kind !== 'slice' || app.study.group.length < 2) return;
    if (this.volumeSeries === uid || this.#wanted === uid) return;
    this.#wanted = uid;
    this.building = true;
    const ids = [...app.study.group];
    try {
      const items = await Promise.all(ids.map((id) => app.study.load(id, (m) => app.error(m))));
      if (this.#wanted !== uid) return;
      const slices = items.filter((s): s is Slice => s?.kind === 'slice' && s.width === item.width && s.height === item.height);
      if (slices.length !== ids.length) return app.error(`Coronal and sagittal views need every slice of the series at ${item.width}×${item.height}; ${ids.length - slices.length} could not be used`);
      this.volume = new SeriesVolume(item.width, item.height, slices.map((s) => s.hu));
      this.volumeSeries = uid;
      this.cross ??= { x: Math.floor(item.width / 2), y: Math.floor(item.height / 2) };
    } finally {
      if (this.#wanted === uid) this.#wanted = null;
      this.building = false;
    }
  }

  /** The masks of the series' slices in viewing order (undefined where a slice has none yet). */
  seriesMasks(): Array<Uint8Array | undefined> {
    return this.app.study.group.map((id) => this.app.mask.get(id)?.data);
  }

  /** Moves the crosshair; `slice` (0-based, viewing order) also shows that slice. */
  setCross(x: number, y: number, slice?: number): void {
    const item = this.app.study.current;
    if (!item) return;
    this.cross = { x: Math.max(0, Math.min(item.width - 1, Math.floor(x))), y: Math.max(0, Math.min(item.height - 1, Math.floor(y))) };
    if (slice !== undefined) this.app.goTo(slice);
  }

  /** Window preset by key: 1–5 the item's presets, 0 auto (the slice's min/max). */
  presetKey(key: string): void {
    const item = this.app.study.current;
    const p = item?.kind === 'slice' ? presetForKey(item, key) : null;
    if (!p) return;
    this.app.voi = { center: p.center, width: p.width };
    this.app.saveView();
    this.app.info(`Window: ${p.name} (W ${Math.round(p.width)} / L ${Math.round(p.center)})`);
  }

  async toggleClusters(): Promise<void> {
    this.showClusters = !this.showClusters;
    if (this.showClusters) await this.loadClusters();
  }

  /** Fetches the cluster map of the item on screen (null until S3-Net has run on it). */
  async loadClusters(): Promise<void> {
    const key = this.app.study.index?.studyKey;
    const id = this.app.study.currentId;
    if (!key || !id) return;
    const r = await api.segment.labels(key, id);
    if (this.app.study.currentId !== id) return;
    if (!r.ok) return this.app.error(r.error.message);
    this.clusters = r.value ? { ...r.value, itemId: id } : null;
    if (!r.value && this.showClusters) this.app.info('No cluster map yet: run S3-Net on this item first');
  }
}
