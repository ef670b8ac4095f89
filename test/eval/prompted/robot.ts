// The robot user (deepest pixel of the largest error region) on the prompted session, in process, on cached features: npx tsx test/eval/prompted/robot.ts --set ph2-extra
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readMask, readRgb, toUnitRgb } from '../../../main/services/images/read';
import { overlap } from '../../../main/services/evaluation/metrics';
import { type PreparedImage } from '../../../model/prompt/segment';
import { cachedPreparation } from './cache';
import { standardise } from '../../../model/prompt/head';
import { PromptedImageSession } from '../../../model/prompt/session';
import { labelComponents } from '../../../model/postprocess/morphology-extra';
import { distanceInside } from '../../../model/postprocess/components';
import { DATA_DIR, REPO_ROOT } from '../../helpers/data';

const { values } = parseArgs({ options: { set: { type: 'string', default: 'ph2-extra' }, size: { type: 'string', default: '128' }, n: { type: 'string', default: '100' }, clicks: { type: 'string', default: '5' } } });
const isPh2 = values.set.startsWith('ph2');
const DIR = join(DATA_DIR, 'skin', values.set);
const ext = isPh2 ? '.bmp' : '.jpg';
const ids = (await readdir(join(DIR, 'images'))).filter((f) => f.endsWith(ext)).map((f) => f.slice(0, -ext.length)).sort().slice(0, Number(values.n));
const cache = join(REPO_ROOT, '.tmp/exp', `${values.set}-s${values.size}-i50`);
export function robotClick(mask: Uint8Array, truth: Uint8Array, w: number, h: number) {
  const err = new Uint8Array(w * h);
  for (let i = 0; i < err.length; i++) err[i] = mask[i] !== truth[i] ? 1 : 0;
  const l = labelComponents(err, w, h, 4);
  if (!l.count) return null;
  let best = 1; for (let id = 2; id <= l.count; id++) if ((l.sizes[id] as number) > (l.sizes[best] as number)) best = id;
  const region = Uint8Array.from(l.ids, (v) => (v === best ? 1 : 0));
  // distance to region boundary, image border counts as boundary
  const padded = new Uint8Array((w + 2) * (h + 2));
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) padded[(y + 1) * (w + 2) + x + 1] = region[y * w + x] as number;
  const d = distanceInside(padded, w + 2, h + 2);
  let bi = -1, bd = -1;
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) { const v = d[(y + 1) * (w + 2) + x + 1] as number; if (region[y * w + x] && v > bd) { bd = v; bi = y * w + x; } }
  const x = bi % w, y = (bi - x) / w;
  return { x, y, label: truth[bi] ? 'include' as const : 'exclude' as const };
}
const K = Number(values.clicks);
const all: number[][] = [];
for (const id of ids) {
  const f = join(cache, id + '.bin');
  const decoded = await readRgb(join(DIR, 'images', id + ext));
  const image = { width: decoded.width, height: decoded.height, data: toUnitRgb(decoded) };
  const truth = await readMask(join(DIR, 'masks', isPh2 ? `${id}_lesion.bmp` : `${id}_segmentation.png`));
  const both = await cachedPreparation(f, image, { mode: 'default', size: Number(values.size), backend: 'wasm' });
  // The session's feature set: the trunk's half of the cached channels, standardised on its own.
  const C = both.features.channels / 2, P = both.size * both.size;
  const d = new Float32Array(P * C);
  for (let i = 0; i < P; i++) d.set(both.features.data.subarray(i * 2 * C + C, i * 2 * C + 2 * C), i * C);
  const prep: PreparedImage = { ...both, features: standardise(d, both.size, C) };
  const s = PromptedImageSession.fromPrepared(image, prep, { kind: 'lesion' });
  const r0 = s.propose();
  const dices = [overlap(r0.mask, truth.mask).dice];
  const ruleD = overlap(r0.rule!.mask, truth.mask).dice;
  let mask = r0.mask; const secs: number[] = [];
  for (let k = 0; k < K; k++) {
    const c = robotClick(mask, truth.mask, image.width, image.height);
    if (!c) { dices.push(dices.at(-1)!); continue; }
    const r = s.apply({ kind: "click", ...c }); if (process.env.DBG) console.log(k, c, "inMask", r.mask[c.y * image.width + c.x], "area", r.mask.reduce((a, v) => a + v, 0), "truth", truth.mask.reduce((a, v) => a + v, 0));
    mask = r.mask; secs.push(r.seconds);
    dices.push(overlap(mask, truth.mask).dice);
  }
  all.push([ruleD, ...dices]);
  console.log(id.padEnd(14), 'rule', ruleD.toFixed(3), 'clicks', dices.map((v) => v.toFixed(3)).join(' '), 's/click', (secs.reduce((a, b) => a + b, 0) / Math.max(1, secs.length)).toFixed(2));
}
const mean = (k: number) => all.reduce((a, r) => a + (r[k] as number), 0) / all.length;
const noc = (t: number) => all.reduce((a, r) => { const i = r.slice(1).findIndex((v) => v >= t); return a + (i < 0 ? K + 1 : i); }, 0) / all.length;
console.log('MEAN rule', mean(0).toFixed(4), 'after clicks 0..K', Array.from({ length: K + 1 }, (_, k) => mean(k + 1).toFixed(4)).join(' '), 'NoC85', noc(0.85).toFixed(2), 'NoC90', noc(0.9).toFixed(2), 'n', all.length);
