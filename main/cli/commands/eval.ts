// `s3-annotate eval --pred DIR --truth DIR`: per-image and mean Dice, IoU, HM and XOR, matched by image id.
import { readdir } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { imageId, overlap, summarise, type Overlap } from '../../services/evaluation/metrics';
import { PHOTO_EXTENSIONS, readMask } from '../../services/images/read';
import type { CommandIO } from './info';

export const EVAL_HELP = `usage: s3-annotate eval --pred DIR --truth DIR [--json]

Compares predicted masks (e.g. IMD002.mask.png) with ground truth (IMD002_lesion.bmp, ISIC_…_segmentation.png,
<slice>.png), matched by image id. Prints Dice, IoU, HM = 1 − IoU and XOR = (|A∪G| − |A∩G|)/|G| per image and
their mean, median and minimum. A prediction must have its ground truth's size (segment writes masks at the
input's native size); a mismatch is an error naming the file.
`;

async function masksById(dir: string, skipLabels: boolean): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const name of (await readdir(dir)).sort()) {
    if (!PHOTO_EXTENSIONS.has(extname(name).toLowerCase())) continue;
    if (skipLabels && name.includes('.labels.')) continue;
    out.set(imageId(name), join(dir, name));
  }
  return out;
}

export interface EvalRow extends Overlap {
  readonly id: string;
  readonly pred: string;
  readonly truth: string;
}

export async function evaluateFolders(predDir: string, truthDir: string): Promise<{ rows: EvalRow[]; missing: string[] }> {
  const preds = await masksById(predDir, true);
  const truths = await masksById(truthDir, false);
  const rows: EvalRow[] = [];
  const missing: string[] = [];
  for (const [id, truthPath] of truths) {
    const predPath = preds.get(id);
    if (!predPath) {
      missing.push(id);
      continue;
    }
    const [p, t] = await Promise.all([readMask(predPath), readMask(truthPath)]);
    if (p.width !== t.width || p.height !== t.height) throw new Error(`${predPath}: ${p.width}×${p.height} but the ground truth is ${t.width}×${t.height}`);
    rows.push({ id, pred: predPath, truth: truthPath, ...overlap(p.mask, t.mask) });
  }
  return { rows, missing };
}

export async function run(args: string[], io: CommandIO): Promise<number> {
  let v;
  try {
    v = parseArgs({ args, options: { pred: { type: 'string' }, truth: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean' } } }).values;
  } catch (err) {
    io.stderr.write(`s3-annotate eval: ${(err as Error).message}\n${EVAL_HELP}`);
    return 2;
  }
  if (v.help) {
    io.stdout.write(EVAL_HELP);
    return 0;
  }
  if (!v.pred || !v.truth) {
    io.stderr.write(`s3-annotate eval: --pred and --truth are required\n${EVAL_HELP}`);
    return 2;
  }
  let result;
  try {
    result = await evaluateFolders(v.pred, v.truth);
  } catch (err) {
    io.stderr.write(`s3-annotate eval: ${(err as Error).message}\n`);
    return 1;
  }
  const { rows, missing } = result;
  if (rows.length === 0) {
    io.stderr.write(`s3-annotate eval: no prediction matches a ground-truth mask in ${v.truth}\n`);
    return 1;
  }
  const summary = summarise(rows);
  if (v.json) {
    io.stdout.write(`${JSON.stringify({ images: rows, ...summary, count: rows.length, missing })}\n`);
  } else {
    const f = (x: number) => (Number.isFinite(x) ? x.toFixed(4) : 'inf').padStart(8);
    io.stdout.write(`${'image'.padEnd(24)}${'Dice'.padStart(8)}${'IoU'.padStart(8)}${'HM'.padStart(8)}${'XOR'.padStart(8)}\n`);
    for (const r of rows) io.stdout.write(`${r.id.padEnd(24)}${f(r.dice)}${f(r.iou)}${f(r.hm)}${f(r.xor)}\n`);
    for (const [label, o] of [['mean', summary.mean], ['median', summary.median], ['min', summary.min]] as const) {
      io.stdout.write(`${label.padEnd(24)}${f(o.dice)}${f(o.iou)}${f(o.hm)}${f(o.xor)}\n`);
    }
    if (missing.length) io.stderr.write(`s3-annotate eval: no prediction for ${missing.length} ground-truth masks: ${missing.join(', ')}\n`);
  }
  return 0;
}
