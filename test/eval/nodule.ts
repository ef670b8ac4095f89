// The juxtapleural nodule of LIDC-IDRI-0001 (issue 12): the readers' outlines from 069.xml rasterised per slice, and
// how much of the nodule the lung rule keeps on each slice it is on, with the proposal's confidence there.
//   node main/cli/run-ts.mjs test/eval/nodule.ts
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dataPath } from '../helpers/data';
import { loadSeriesForSegmentation, type LoadedSlice } from '../../main/services/dicom/index';
import { lungTarget } from '../../model/postprocess';

export const LIDC_0001 = dataPath('ct/lidc/LIDC-IDRI-0001');

/** One reader's outline of one nodule on one slice (pixel coordinates, the XML's edge map). */
export interface NoduleOutline {
  readonly reader: number;
  readonly nodule: string;
  readonly z: number;
  readonly points: readonly (readonly [number, number])[];
}

/** The multi-point outlines (nodules ≥ 3 mm) with inclusion TRUE, from a LIDC read message. */
export function parseLidcOutlines(xml: string): NoduleOutline[] {
  const out: NoduleOutline[] = [];
  const sessions = xml.split('<readingSession>').slice(1);
  sessions.forEach((session, reader) => {
    for (const nodule of session.split('<unblindedReadNodule>').slice(1)) {
      const id = /<noduleID>([^<]*)<\/noduleID>/.exec(nodule)?.[1] ?? '?';
      for (const roi of nodule.split('<roi>').slice(1)) {
        const z = Number(/<imageZposition>([^<]*)</.exec(roi)?.[1]);
        if (!/<inclusion>TRUE</.test(roi)) continue;
        const points = [...roi.matchAll(/<xCoord>(\d+)<\/xCoord>\s*<yCoord>(\d+)<\/yCoord>/g)].map((m) => [Number(m[1]), Number(m[2])] as const);
        if (points.length > 2 && Number.isFinite(z)) out.push({ reader, nodule: id, z, points });
      }
    }
  });
  return out;
}

/** Even-odd scanline fill of a closed polygon through pixel centres, plus the outline's own pixels. */
export function fillPolygon(points: readonly (readonly [number, number])[], width: number, height: number): Uint8Array {
  const mask = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const xs: number[] = [];
    for (let i = 0; i < points.length; i++) {
      const [x0, y0] = points[i] as readonly [number, number], [x1, y1] = points[(i + 1) % points.length] as readonly [number, number];
      if ((y0 <= y && y1 > y) || (y1 <= y && y0 > y)) xs.push(x0 + ((y - y0) * (x1 - x0)) / (y1 - y0));
    }
    xs.sort((a, b) => a - b);
    for (let k = 0; k + 1 < xs.length; k += 2) {
      for (let x = Math.ceil(xs[k] as number); x <= Math.floor(xs[k + 1] as number); x++) if (x >= 0 && x < width) mask[y * width + x] = 1;
    }
  }
  for (const [x, y] of points) if (x >= 0 && y >= 0 && x < width && y < height) mask[y * width + x] = 1;
  return mask;
}

export interface NoduleSlice {
  readonly z: number;
  /** Nodule pixels (first reader's outline, filled). */
  readonly area: number;
  /** Share of them inside the lung mask. */
  readonly kept: number;
  /** The lung rule's confidence on that slice (with lungConfidence's wall-notch factor). */
  readonly confidence: number;
}

/** The lung rule (on a one-cluster label map: HU decide) on every slice the first reader outlined the nodule on. */
export async function noduleSlices(rule: (slice: LoadedSlice) => { mask: Uint8Array; confidence: number } = defaultRule): Promise<NoduleSlice[]> {
  const outlines = parseLidcOutlines(await readFile(join(LIDC_0001, '069.xml'), 'utf8')).filter((o) => o.reader === 0 && o.nodule === 'Nodule 001');
  const files = (await readdir(LIDC_0001)).filter((n) => n.endsWith('.dcm')).map((n) => join(LIDC_0001, n));
  const { series } = await loadSeriesForSegmentation(files);
  const slices = series.flatMap((s) => s.slices);
  const rows: NoduleSlice[] = [];
  for (const o of outlines.sort((a, b) => b.z - a.z)) {
    const slice = slices.find((s) => Math.abs(Number(/(-?\d+\.\d+)\.dcm$/.exec(s.sourcePath)?.[1]) - o.z) < 0.01);
    if (!slice) continue;
    const nodule = fillPolygon(o.points, slice.width, slice.height);
    const { mask, confidence } = rule(slice);
    let area = 0, inside = 0;
    for (let i = 0; i < nodule.length; i++) if (nodule[i]) { area++; if (mask[i]) inside++; }
    rows.push({ z: o.z, area, kept: inside / Math.max(1, area), confidence });
  }
  return rows;
}

function defaultRule(slice: LoadedSlice): { mask: Uint8Array; confidence: number } {
  const size = 256;
  return lungTarget(new Uint8Array(size * size), size, slice.hu, slice.width, slice.height);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const r of await noduleSlices()) console.log(`z ${r.z}: nodule ${r.area} px, ${(100 * r.kept).toFixed(0)} % kept, confidence ${r.confidence.toFixed(3)}`);
}
