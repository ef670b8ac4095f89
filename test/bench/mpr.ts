// MPR benchmark (npx tsx test/bench/mpr.ts): building a series volume once, then cutting and painting planes from it.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeFrame, indexPaths } from '../../main/services/dicom';
import { viewerOrder, type Vec3 } from '../../renderer/viewport/geometry';
import { gatherPlane, renderPlane, SeriesVolume } from '../../renderer/viewport/volume';

const DATA = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../shared/data');

function median(runs: number, fn: () => unknown): number {
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const s = performance.now();
    fn();
    t.push(performance.now() - s);
  }
  return t.sort((a, b) => a - b)[Math.floor(runs / 2)] ?? NaN;
}

for (const folder of ['ct/lidc/LIDC-IDRI-0001', 'dicom/ct-abdomen-j2k-series']) {
  const se = (await indexPaths([resolve(DATA, folder)])).series.find((s) => s.modality === 'CT');
  if (!se) throw new Error(`${folder}: no CT series`);
  const ordered = viewerOrder(se.slices.map((s) => ({ s, patientPosition: s.geometry.position as Vec3 })), se.slices[0]?.geometry.orientation);
  const slices = await Promise.all(ordered.map(async ({ s }) => Int16Array.from((await decodeFrame(s.path, s.frameIndex)).modality ?? [], Math.round)));
  const w = se.slices[0]?.columns ?? 0;
  const h = se.slices[0]?.rows ?? 0;
  const masks = slices.map(() => new Uint8Array(w * h).fill(1, 0, (w * h) / 2));
  let vol: SeriesVolume | null = null;
  const build = median(9, () => (vol = new SeriesVolume(w, h, slices)));
  const v = vol as unknown as SeriesVolume;
  const cut = median(51, () => v.reformat('sagittal', w / 2));
  const mask = median(51, () => gatherPlane((k) => masks[k], w, h, v.depth, 'sagittal', w / 2, new Uint8Array(h * v.depth)));
  const rgba = new Uint8ClampedArray(h * v.depth * 4);
  const plane = v.reformat('sagittal', w / 2);
  const mplane = gatherPlane((k) => masks[k], w, h, v.depth, 'sagittal', w / 2, new Uint8Array(h * v.depth));
  const paint = median(51, () => renderPlane(plane, mplane, { center: -600, width: 1500 }, new Map([[1, 0xff4d4f]]), 0.45, rgba));
  console.log(`${folder}: ${w}×${h}×${v.depth} — build ${build.toFixed(2)} ms, sagittal cut ${cut.toFixed(3)} ms, mask plane ${mask.toFixed(3)} ms, windowed RGBA ${paint.toFixed(3)} ms (medians)`);
}
