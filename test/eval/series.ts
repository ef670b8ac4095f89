// 3D quality over whole series: interpolation from every 5th (2nd) expert slice, propagation from the middle slice,
// Dice per slice as an SVG in docs/. npx tsx test/eval/series.ts [--propagate] [--size 128] [--markdown FILE]
import { readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { openSeries, type OpenedSeries } from '../../main/services/series/open';
import { interpolateSeries } from '../../main/services/series/interpolate';
import { propagate } from '../../main/services/series/propagate';
import { clusterStep } from '../../main/services/series/cluster-step';
import { decodeNifti, niftiToSeriesMasks } from '../../main/services/masks/nifti';
import { readMask } from '../../main/services/images/read';
import { createSegmentationRunner } from '../../model/runner';
import { DATA_DIR, REPO_ROOT } from '../helpers/data';

const { values } = parseArgs({ options: { propagate: { type: 'boolean', default: false }, size: { type: 'string', default: '128' }, markdown: { type: 'string' } } });

interface Structure { readonly series: string; readonly name: string; readonly opened: OpenedSeries; readonly truth: readonly Uint8Array[] }
interface Curve { readonly label: string; readonly dice: (number | undefined)[] }

function only(s: Uint8Array, label: number): Uint8Array {
  const m = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) if (s[i] === label) m[i] = 1;
  return m;
}
function counts(p: Uint8Array, t: Uint8Array): [number, number] {
  let both = 0, sum = 0;
  for (let i = 0; i < p.length; i++) { both += p[i] && t[i] ? 1 : 0; sum += (p[i] ? 1 : 0) + (t[i] ? 1 : 0); }
  return [both, sum];
}
/** 3D Dice over the slices scored (voxel counts summed), and Dice per slice (undefined where not scored). */
function score(pred: Map<number, Uint8Array>, truth: readonly Uint8Array[]): { dice3d: number; perSlice: (number | undefined)[] } {
  let both = 0, sum = 0;
  const perSlice = truth.map((t, k) => {
    const p = pred.get(k);
    if (!p) return undefined;
    const [b, s] = counts(p, t);
    both += b; sum += s;
    return s === 0 ? 1 : (2 * b) / s;
  });
  return { dice3d: sum === 0 ? 1 : (2 * both) / sum, perSlice };
}

async function structures(): Promise<Structure[]> {
  const out: Structure[] = [];
  const lungs = await openSeries([join(DATA_DIR, 'ct/lung-masks/images')]);
  out.push({ series: 'ACRIN-FLT-Breast_001 (8 slices)', name: 'lungs', opened: lungs, truth: await Promise.all(lungs.series.slices.map(async (s) => (await readMask(join(DATA_DIR, 'ct/lung-masks/masks', `${basename(s.path, '.dcm')}.png`))).mask)) });
  const dir = join(DATA_DIR, 'dicom/ct-abdomen-j2k-series');
  const abdomen = await openSeries([dir]);
  const volume = niftiToSeriesMasks(decodeNifti(await readFile(join(dir, 'example_seg_dicom.nii.gz'))), abdomen.series);
  const labels = [...new Set(volume.slices.flatMap((s) => [...new Set(s)]))].filter((l) => l > 0);
  const sized = labels.map((l) => ({ l, truth: volume.slices.map((s) => only(s, l)) })).map((x) => ({ ...x, voxels: x.truth.reduce((a, t) => a + t.reduce((b, v) => b + v, 0), 0) }));
  // The five largest structures of the label map (label numbers as in the NIfTI; 5 is the liver).
  for (const x of sized.sort((a, b) => b.voxels - a.voxels).slice(0, 5)) out.push({ series: 'abdominal CT (20 slices)', name: `label ${x.l}`, opened: abdomen, truth: x.truth });
  return out;
}

function svg(title: string, curves: readonly Curve[], slices: number): string {
  const W = 640, H = 300, L = 50, R = 150, T = 30, B = 40;
  const x = (k: number) => L + (k / Math.max(1, slices - 1)) * (W - L - R);
  const y = (d: number) => T + (1 - d) * (H - T - B);
  const colours = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf'];
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`, `<text x="${L}" y="18" font-size="13">${title}</text>`];
  for (const d of [0, 0.25, 0.5, 0.75, 1]) parts.push(`<line x1="${L}" x2="${W - R}" y1="${y(d)}" y2="${y(d)}" stroke="#ddd"/><text x="${L - 6}" y="${y(d) + 4}" text-anchor="end">${d.toFixed(2)}</text>`);
  for (let k = 0; k < slices; k += Math.max(1, Math.round(slices / 10))) parts.push(`<text x="${x(k)}" y="${H - B + 16}" text-anchor="middle">${k}</text>`);
  parts.push(`<text x="${(L + W - R) / 2}" y="${H - 6}" text-anchor="middle">slice index</text>`);
  curves.forEach((c, i) => {
    const colour = colours[i % colours.length];
    const pts = c.dice.map((d, k) => (d === undefined ? undefined : `${x(k).toFixed(1)},${y(d).toFixed(1)}`)).filter(Boolean);
    parts.push(`<polyline fill="none" stroke="${colour}" stroke-width="1.5" points="${pts.join(' ')}"/>`);
    for (const p of pts) parts.push(`<circle cx="${(p as string).split(',')[0]}" cy="${(p as string).split(',')[1]}" r="2" fill="${colour}"/>`);
    parts.push(`<text x="${W - R + 8}" y="${T + 14 * i + 8}" fill="${colour}">${c.label}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

const rows: string[] = ['| series | structure | method | slices scored | 3D Dice |', '|---|---|---|---|---|'];
const all = await structures();
const plots = new Map<string, Curve[]>();
for (const s of all) {
  const n = s.truth.length;
  const extent = s.truth.map((t, k) => (t.some(Boolean) ? k : -1)).filter((k) => k >= 0);
  const lo = extent[0] as number, hi = extent[extent.length - 1] as number;
  const every = n <= 10 ? 2 : 5;
  const annotated = new Map<number, Uint8Array>();
  for (let k = lo; k <= hi; k += every) annotated.set(k, s.truth[k] as Uint8Array);
  annotated.set(hi, s.truth[hi] as Uint8Array);
  const first = s.opened.series.slices[0]!;
  const filled = interpolateSeries({ width: first.columns, height: first.rows, count: n, annotated, positions: s.opened.geometry.positions, ...(first.geometry.pixelSpacing ? { spacing: first.geometry.pixelSpacing } : {}) });
  const r = score(new Map(filled.map((f) => [f.index, f.mask])), s.truth);
  rows.push(`| ${s.series} | ${s.name} | interpolation from every ${every === 2 ? '2nd' : '5th'} expert slice | ${filled.length} held out | ${r.dice3d.toFixed(4)} |`);
  const curves = plots.get(s.series) ?? [];
  curves.push({ label: `${s.name} interp.`, dice: r.perSlice });
  plots.set(s.series, curves);
  if (values.propagate) {
    const mid = (lo + hi) >> 1;
    const runner = createSegmentationRunner({ workers: 1 });
    const pred = new Map<number, Uint8Array>();
    let stops = '';
    try {
      const res = await propagate({
        opened: s.opened, start: mid, startMask: s.truth[mid] as Uint8Array, direction: 'both', step: clusterStep(runner, { size: Number(values.size) }),
        onSlice: (rep, mask) => { if (mask) pred.set(rep.slice, mask); },
      });
      stops = res.stops.map((x) => `${x.direction} at ${x.slice}`).join(', ');
    } finally {
      await runner.close();
    }
    // Over the structure's extent: slices propagation did not reach count as empty proposals.
    for (let k = lo; k <= hi; k++) if (k !== mid && !pred.has(k)) pred.set(k, new Uint8Array(s.truth[k]!.length));
    const p = score(pred, s.truth);
    rows.push(`| ${s.series} | ${s.name} | propagation from slice ${mid} (expert mask), ${values.size}² | ${pred.size} (stopped ${stops}) | ${p.dice3d.toFixed(4)} |`);
    curves.push({ label: `${s.name} prop.`, dice: p.perSlice });
  }
}
const svgs: string[] = [];
for (const [series, curves] of plots) {
  const file = `docs/series-dice-${series.startsWith('abdominal') ? 'abdomen' : 'lung-masks'}.svg`;
  await writeFile(join(REPO_ROOT, file), svg(`Dice per slice: ${series}`, curves, curves[0]!.dice.length));
  svgs.push(file);
}
const report = [
  '## Whole series: interpolation and propagation (3D Dice)', '',
  'Expert masks: the lung contours of ACRIN-FLT-Breast_001 (8 slices about 20 mm apart) and the multi-organ NIfTI of the',
  'abdominal series (20 slices; its five largest labels). Interpolation: held-out slices filled from the others.',
  values.propagate ? `Propagation: from the middle slice of each structure's extent, seeded by its expert mask, S3-Net at ${values.size}², scored over the extent.` : 'Propagation: not run (pass --propagate; S3-Net trains on every slice).',
  '', ...rows, '', ...svgs.map((f) => `![Dice per slice](${f.replace(/^docs\//, '')})`), '',
].join('\n');
if (values.markdown) await writeFile(values.markdown, report);
console.log(report);
