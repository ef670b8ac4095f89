// Rule alone vs the rule-seeded S3-Net head on a photo set (features cached in .tmp/exp): npx tsx test/eval/prompted/auto.ts --set ph2-extra --size 128 --feat trunk+c
import { readdir, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readMask, readRgb, toUnitRgb } from '../../../main/services/images/read';
import { overlap } from '../../../main/services/evaluation/metrics';
import { lesionTarget } from '../../../model/postprocess/lesion';
import { segmentSeeded } from '../../../model/prompt/segment';
import { cachedPreparation } from './cache';
import { seedsFromMask } from '../../../model/prompt/seeds';
import { standardise } from '../../../model/prompt/head';
import { DATA_DIR, REPO_ROOT } from '../../helpers/data';

const { values } = parseArgs({ options: { set: { type: 'string', default: 'ph2-extra' }, size: { type: 'string', default: '256' }, maxIter: { type: 'string', default: '50' }, n: { type: 'string', default: '100' }, core: { type: 'string', default: '0.15' }, gap: { type: 'string', default: '0.15' }, band: { type: 'string', default: 'Infinity' }, feat: { type: 'string', default: 'both,both+c,deformable+c,trunk+c' }, maxPer: { type: 'string', default: '1500' }, self: { type: 'string', default: '0.1' }, steps: { type: 'string', default: '120' }, wd: { type: 'string', default: '0.001' } } });
const isPh2 = values.set.startsWith('ph2');
const DIR = join(DATA_DIR, 'skin', values.set);
const ext = isPh2 ? '.bmp' : '.jpg';
const ids = (await readdir(join(DIR, 'images'))).filter((f) => f.endsWith(ext)).map((f) => f.slice(0, -ext.length)).sort().slice(0, Number(values.n));
const cache = join(REPO_ROOT, '.tmp/exp', `${values.set}-s${values.size}-i${values.maxIter}`);
await mkdir(cache, { recursive: true });
const rows: number[][] = [];
const VARIANTS = values.feat.split(',');
for (const id of ids) {
  const decoded = await readRgb(join(DIR, 'images', id + ext));
  const image = { width: decoded.width, height: decoded.height, data: toUnitRgb(decoded) };
  const truth = await readMask(join(DIR, 'masks', isPh2 ? `${id}_lesion.bmp` : `${id}_segmentation.png`));
  const f = join(cache, id + '.bin');
  const prep = await cachedPreparation(f, image, { mode: 'default', size: Number(values.size), maxIterations: Number(values.maxIter), backend: 'wasm' });
  const sub = (which: string) => {
    if (which === 'both') return prep.features;
    const C = prep.features.channels / 2, P = prep.size * prep.size, off = which === 'deformable' ? 0 : C;
    const d = new Float32Array(P * C);
    for (let i = 0; i < P; i++) d.set(prep.features.data.subarray(i * 2 * C + off, i * 2 * C + off + C), i * C);
    return standardise(d, prep.size, C);
  };
  const t0 = performance.now();
  const rule = lesionTarget(prep.labels, prep.size, image);
  const ruleMs = performance.now() - t0;
  const seeds = seedsFromMask(rule.mask, image.width, image.height, { core: Number(values.core), gap: Number(values.gap), band: Number(values.band) });
  const head = { selfLabelWeight: Number(values.self), steps: Number(values.steps), weightDecay: Number(values.wd), maxPerClass: Number(values.maxPer), unlabelledSamples: 1000 };
  const row = [overlap(rule.mask, truth.mask).dice];
  let line = `${id.padEnd(14)} rule ${row[0]!.toFixed(3)} conf ${rule.confidence.toFixed(2)} (${(ruleMs / 1000).toFixed(2)} s)`;
  for (const v of VARIANTS) {
    const [which, colour] = v.split('+');
    const r = segmentSeeded({ ...prep, features: sub(which!) }, [{ seeds, weight: 1 }], { head, ...(colour ? { image } : {}) });
    const d = overlap(r.mask, truth.mask).dice;
    row.push(d);
    line += ` | ${v} ${d.toFixed(3)} (${r.seconds.toFixed(2)}s)`;
  }
  rows.push(row);
  console.log(line);
}
const mean = (k: number) => rows.reduce((a, r) => a + (r[k] as number), 0) / rows.length;
const med = (k: number) => rows.map((r) => r[k] as number).sort((a, b) => a - b)[rows.length >> 1]!;
const mn = (k: number) => Math.min(...rows.map((r) => r[k] as number));
console.log(['rule', ...VARIANTS].map((v, k) => `${v}: mean ${mean(k).toFixed(4)} median ${med(k).toFixed(3)} min ${mn(k).toFixed(3)}`).join('\n'), `n=${rows.length}`);
