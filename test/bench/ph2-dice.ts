// PH2 Dice of S3-Net + the ground-truth-free lesion rule (lesionTarget, at native resolution against the native expert
// mask): npx tsx test/bench/ph2-dice.ts [--mode faithful] [--set isic2017] [--fresh].
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createSegmentationRunner } from '../../model/runner';
import type { TrainingMode } from '../../model/types';
import { lesionTarget } from '../../model/postprocess/lesion';
import { resizeLabels, resizeMask } from '../../model/postprocess/components';
import { readMask, readRgb, toUnitRgb } from '../../main/services/images/read';
import { overlap } from '../../main/services/evaluation/metrics';
import { DATA_DIR, REPO_ROOT } from '../helpers/data';
import { cachedLabels, type CachedLabels } from './label-cache';

const { values } = parseArgs({
  options: {
    mode: { type: 'string', default: 'faithful' },
    seed: { type: 'string', default: '1' },
    workers: { type: 'string', default: '2' },
    // isic2017: the same measurement on the 6 ISIC images, which the rule was not tuned on.
    set: { type: 'string', default: 'ph2' },
    // Label maps are cached so the rule can be re-measured without retraining; --fresh retrains.
    fresh: { type: 'boolean', default: false },
  },
});
const mode = values.mode as TrainingMode;
const seed = Number(values.seed);
const SETS = {
  ph2: { image: (id: string) => `${id}.bmp`, truth: (id: string) => `${id}_lesion.bmp` },
  isic2017: { image: (id: string) => `${id}.jpg`, truth: (id: string) => `${id}_segmentation.png` },
};
const set = values.set as keyof typeof SETS;
if (!(set in SETS)) throw new Error(`--set must be one of ${Object.keys(SETS).join(', ')}`);
const DIR = join(DATA_DIR, 'skin', set);
const CACHE = join(REPO_ROOT, '.tmp/bench', `${set}-${mode}-seed${seed}`);

const labelsFor = (id: string, train: () => Promise<CachedLabels>) => cachedLabels(CACHE, id, !!values.fresh, train);

/** The reference's protocol without clipping: the cluster most common inside the ground truth (for comparison only). */
function oracleCluster(labels: Uint8Array, truthAtSize: Uint8Array): number {
  const votes = new Map<number, number>();
  truthAtSize.forEach((t, i) => t && votes.set(labels[i] as number, (votes.get(labels[i] as number) ?? 0) + 1));
  return [...votes].sort((a, b) => b[1] - a[1])[0]?.[0] ?? -1;
}

const ext = SETS[set].image('');
const ids = (await readdir(join(DIR, 'images'))).filter((f) => f.endsWith(ext)).map((f) => f.slice(0, -ext.length)).sort();
const runner = createSegmentationRunner({ workers: Number(values.workers) });
const rows: { id: string; dice: number; confidence: number; ruleMs: number; oracle: number; seconds: number; iterations: number }[] = [];
try {
  await Promise.all(ids.map(async (id) => {
    const decoded = await readRgb(join(DIR, 'images', SETS[set].image(id)));
    const image = { width: decoded.width, height: decoded.height, data: toUnitRgb(decoded) };
    const r = await labelsFor(id, () => runner.segment(image, { mode, seed }));
    const truth = await readMask(join(DIR, 'masks', SETS[set].truth(id)));
    const started = performance.now();
    const target = lesionTarget(r.labels, r.size, image);
    const ruleMs = performance.now() - started;
    const native = resizeLabels(r.labels, r.size, r.size, image.width, image.height);
    const truthSmall = resizeMask(truth.mask, truth.width, truth.height, r.size, r.size);
    const oracle = oracleCluster(r.labels, truthSmall);
    const oracleMask = Uint8Array.from(native, (l) => (l === oracle ? 1 : 0));
    rows.push({ id, dice: overlap(target.mask, truth.mask).dice, confidence: target.confidence, ruleMs, oracle: overlap(oracleMask, truth.mask).dice, seconds: r.seconds, iterations: r.iterations });
    process.stderr.write(`${id} done\n`);
  }));
} finally {
  await runner.close();
}
rows.sort((a, b) => a.id.localeCompare(b.id));
const idWidth = Math.max(8, ...rows.map((r) => r.id.length));
const mean = (f: (r: (typeof rows)[number]) => number) => rows.reduce((a, r) => a + f(r), 0) / rows.length;
console.log(`${set}, ${mode} mode, seed ${seed} (label maps cached in ${CACHE})`);
console.log(`${'image'.padEnd(idWidth)} ${'rule Dice'.padStart(10)} ${'confidence'.padStart(10)} ${'rule ms'.padStart(8)} ${'GT-cluster'.padStart(10)} ${'iter'.padStart(5)} ${'seconds'.padStart(8)}`);
const line = (id: string, r: Omit<(typeof rows)[number], 'id'>) =>
  console.log(`${id.padEnd(idWidth)} ${r.dice.toFixed(4).padStart(10)} ${r.confidence.toFixed(2).padStart(10)} ${r.ruleMs.toFixed(0).padStart(8)} ${r.oracle.toFixed(4).padStart(10)} ${r.iterations.toFixed(Number.isInteger(r.iterations) ? 0 : 1).padStart(5)} ${r.seconds.toFixed(1).padStart(8)}`);
for (const r of rows) line(r.id, r);
line('mean', { dice: mean((r) => r.dice), confidence: mean((r) => r.confidence), ruleMs: mean((r) => r.ruleMs), oracle: mean((r) => r.oracle), iterations: mean((r) => r.iterations), seconds: mean((r) => r.seconds) });
