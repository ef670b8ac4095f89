// Lung CT Dice of S3-Net + the ground-truth-free lung rule (lungTarget), at native resolution:
// npx tsx test/bench/lung-dice.ts [--mode faithful|default] [--set lung-masks|lidc|abdomen] [--seed N] [--fresh] [--no-look]
import { mkdir, readdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { createSegmentationRunner } from '../../model/runner';
import type { RgbImage, TrainingMode } from '../../model/types';
import { lungTarget } from '../../model/postprocess';
import { loadSeriesForSegmentation, lungWindowRgb, type LoadedSlice } from '../../main/services/dicom/index';
import { readMask } from '../../main/services/images/read';
import { overlap } from '../../main/services/evaluation/metrics';
import { DATA_DIR, REPO_ROOT } from '../helpers/data';
import { cachedLabels, type CachedLabels } from './label-cache';

const { values } = parseArgs({
  options: {
    mode: { type: 'string', default: 'faithful' },
    seed: { type: 'string', default: '1' },
    // lung-masks: 8 slices with expert masks; lidc: 39 slices of 3 patients, no masks (overlays to look at);
    // abdomen: an abdominal series (mostly no lungs: the rule must not call bowel gas lung with confidence).
    set: { type: 'string', default: 'lung-masks' },
    // Label maps are cached so the rule can be re-measured in a second; --fresh retrains.
    fresh: { type: 'boolean', default: false },
    // Overlays (lung window, proposal in red, expert outline in green) in .tmp/lung-look/.
    'no-look': { type: 'boolean', default: false },
  },
});
const mode = values.mode as TrainingMode;
if (mode !== 'faithful' && mode !== 'default') throw new Error('--mode must be faithful or default');
const seed = Number(values.seed);
const SETS: Record<string, { dirs: string[]; truth?: string }> = {
  'lung-masks': { dirs: [join(DATA_DIR, 'ct/lung-masks/images')], truth: join(DATA_DIR, 'ct/lung-masks/masks') },
  lidc: { dirs: ['0001', '0002', '0003'].map((n) => join(DATA_DIR, `ct/lidc/LIDC-IDRI-${n}`)) },
  abdomen: { dirs: [join(DATA_DIR, 'dicom/ct-abdomen-j2k-series')] },
};
const set = values.set as string;
const spec = SETS[set];
if (!spec) throw new Error(`--set must be one of ${Object.keys(SETS).join(', ')}`);
const CACHE = join(REPO_ROOT, '.tmp/bench', `lung-${mode}-seed${seed}`, set === 'lung-masks' ? '' : set);
const LOOK = join(REPO_ROOT, '.tmp/lung-look');

/** CT's input to the network: the lung window as grey RGB. */
function ctToRgb(slice: LoadedSlice): RgbImage {
  return { width: slice.width, height: slice.height, data: lungWindowRgb(slice.hu) };
}

const labelsFor = (id: string, train: () => Promise<CachedLabels>) => cachedLabels(CACHE, id, !!values.fresh, train);

/** Lung-window grey with the proposal tinted red and the expert outline (if any) in green, at native size. */
async function writeLook(name: string, slice: LoadedSlice, mask: Uint8Array, truth: Uint8Array | undefined): Promise<void> {
  const { width: w, height: h } = slice;
  const rgb = new Uint8Array(w * h * 3);
  const edge = (m: Uint8Array, i: number) => {
    if (!m[i]) return false;
    const x = i % w, y = (i - x) / w;
    return x === 0 || y === 0 || x === w - 1 || y === h - 1 || !m[i - 1] || !m[i + 1] || !m[i - w] || !m[i + w];
  };
  for (let i = 0; i < w * h; i++) {
    const g = Math.round(255 * Math.min(1, Math.max(0, ((slice.hu[i] as number) + 1350) / 1500)));
    let r = g, gg = g, b = g;
    if (mask[i]) { r = Math.round(0.55 * g + 0.45 * 255); gg = Math.round(0.55 * g); b = Math.round(0.55 * g); }
    if (edge(mask, i)) { r = 255; gg = 0; b = 0; }
    if (truth && edge(truth, i)) { r = 0; gg = 255; b = 0; }
    rgb[i * 3] = r; rgb[i * 3 + 1] = gg; rgb[i * 3 + 2] = b;
  }
  await mkdir(LOOK, { recursive: true });
  await sharp(Buffer.from(rgb), { raw: { width: w, height: h, channels: 3 } }).png().toFile(join(LOOK, `${name}.png`));
}

const files: string[] = [];
for (const dir of spec.dirs) for (const f of (await readdir(dir)).sort()) if (f.endsWith('.dcm')) files.push(join(dir, f));
const loaded = await loadSeriesForSegmentation(files);
for (const s of loaded.skipped) process.stderr.write(`skipped ${s.path}: ${s.reason}\n`);
const slices = loaded.series.flatMap((s) => s.slices);
const idOf = (slice: LoadedSlice) => {
  const stem = basename(slice.sourcePath, extname(slice.sourcePath));
  return set === 'lidc' ? `${basename(join(slice.sourcePath, '..'))}_${stem}` : stem;
};

const runner = createSegmentationRunner({ workers: 1 });
interface Row { id: string; dice?: number; area: number; left: number; right: number; confidence: number; cluster: number; clusters: number; ms: number; seconds: number; iterations: number }
const rows: Row[] = [];
try {
  for (const slice of slices) {
    const id = idOf(slice);
    const r = await labelsFor(id, () => runner.segment(ctToRgb(slice), { mode, seed }));
    const t0 = performance.now();
    const target = lungTarget(r.labels, r.size, slice.hu, slice.width, slice.height);
    const ms = performance.now() - t0;
    const truthPath = spec.truth && join(spec.truth, `${basename(slice.sourcePath, extname(slice.sourcePath))}.png`);
    const truth = truthPath && existsSync(truthPath) ? await readMask(truthPath) : undefined;
    // Both lungs: the proposal's area in each half of the image (patient's right lung is on the image's left).
    let left = 0, right = 0;
    target.mask.forEach((v, i) => { if (v) { if (i % slice.width < slice.width / 2) left++; else right++; } });
    const area = left + right;
    rows.push({
      id, dice: truth ? overlap(target.mask, truth.mask).dice : undefined, area: area / target.mask.length,
      left: left / target.mask.length, right: right / target.mask.length,
      confidence: target.confidence, cluster: target.cluster, clusters: new Set(r.labels).size, ms, seconds: r.seconds, iterations: r.iterations,
    });
    if (!values['no-look']) await writeLook(`${set}-${mode}-${id}`, slice, target.mask, truth?.mask);
  }
} finally {
  await runner.close();
}
// The rule's time once warm (the first calls pay for JIT compilation): every slice again, wall clock and CPU time.
const timings: { wall: number; cpu: number }[] = [];
for (const slice of slices) {
  const r = await labelsFor(idOf(slice), () => Promise.reject(new Error('label map missing from the cache')));
  for (let k = 0; k < 5; k++) {
    const c0 = process.cpuUsage(), t0 = performance.now();
    lungTarget(r.labels, r.size, slice.hu, slice.width, slice.height);
    const c = process.cpuUsage(c0);
    timings.push({ wall: performance.now() - t0, cpu: (c.user + c.system) / 1000 });
  }
}
const stat = (f: (t: (typeof timings)[number]) => number) => {
  const v = timings.map(f).sort((a, b) => a - b);
  return `median ${(v[v.length >> 1] ?? NaN).toFixed(1)} ms, max ${(v[v.length - 1] ?? NaN).toFixed(1)} ms`;
};
const idWidth = Math.max(8, ...rows.map((r) => r.id.length));
const mean = (f: (r: Row) => number) => rows.reduce((a, r) => a + f(r), 0) / rows.length;
console.log(`${set}, ${mode} mode, seed ${seed} (label maps cached in ${CACHE})`);
console.log(`${'slice'.padEnd(idWidth)} ${'Dice'.padStart(7)} ${'area%'.padStart(6)} ${'L%'.padStart(5)} ${'R%'.padStart(5)} ${'conf'.padStart(5)} ${'k'.padStart(2)} ${'cold ms'.padStart(8)} ${'iter'.padStart(4)} ${'train s'.padStart(7)}`);
for (const r of rows) {
  console.log(`${r.id.padEnd(idWidth)} ${(r.dice === undefined ? '-' : r.dice.toFixed(4)).padStart(7)} ${(100 * r.area).toFixed(1).padStart(6)} ${(100 * r.left).toFixed(1).padStart(5)} ${(100 * r.right).toFixed(1).padStart(5)} ${r.confidence.toFixed(2).padStart(5)} ${String(r.clusters).padStart(2)} ${r.ms.toFixed(1).padStart(8)} ${String(r.iterations).padStart(4)} ${r.seconds.toFixed(1).padStart(7)}`);
}
const withTruth = rows.filter((r) => r.dice !== undefined);
const meanDice = withTruth.length ? (withTruth.reduce((a, r) => a + (r.dice as number), 0) / withTruth.length).toFixed(4) : '-';
console.log(`${'mean'.padEnd(idWidth)} ${meanDice.padStart(7)} ${(100 * mean((r) => r.area)).toFixed(1).padStart(6)} ${(100 * mean((r) => r.left)).toFixed(1).padStart(5)} ${(100 * mean((r) => r.right)).toFixed(1).padStart(5)} ${mean((r) => r.confidence).toFixed(2).padStart(5)}    ${mean((r) => r.ms).toFixed(1).padStart(8)}`);
console.log(`rule once warm (${timings.length} calls, ${slices[0]?.width ?? 0}×${slices[0]?.height ?? 0}): wall ${stat((t) => t.wall)}; CPU ${stat((t) => t.cpu)}`);
if (!values['no-look']) console.log(`overlays: ${LOOK}/${set}-${mode}-*.png (red: proposal, green: expert outline)`);
