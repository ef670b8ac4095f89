// `s3-annotate eval --pred DIR --truth DIR`: per-image and mean Dice, IoU, HM and XOR, matched by image id.
import { readdir } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { imageId, overlap, summarise, type Overlap } from '../../services/evaluation/metrics';
import { PHOTO_EXTENSIONS, readMask, readRgb } from '../../services/images/read';
import { referenceAssistedMask } from '../../services/evaluation/reference-protocol';
import type { CommandIO } from './info';

export const EVAL_HELP = `usage: s3-annotate eval --pred DIR --truth DIR [--protocol rule|gt-assisted] [--json]

Compares predicted masks (e.g. IMD002.mask.png) with ground truth (IMD002_lesion.bmp, ISIC_…_segmentation.png,
<slice>.png), matched by image id. Prints Dice, IoU, HM = 1 − IoU and XOR = (|A∪G| − |A∩G|)/|G| per image and
their mean, median and minimum. A prediction must have its ground truth's size (segment writes masks at the
input's native size); a mismatch is an error naming the file.

  --protocol rule          score the masks as written (our ground-truth-free choice; default)
  --protocol gt-assisted   FOR COMPARISON ONLY: the reference code's protocol, which uses the ground truth — from
                           each <id>.labels.png, the non-zero cluster most common inside the ground truth, times the
                           ground truth dilated by the reference's 9×9 square (scaled from 256² to the image's size)
`;

async function masksById(dir: string, include: (name: string) => boolean): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const name of (await readdir(dir)).sort()) {
    if (!PHOTO_EXTENSIONS.has(extname(name).toLowerCase()) || !include(name)) continue;
    out.set(imageId(name), join(dir, name));
  }
  return out;
}

export interface EvalRow extends Overlap {
  readonly id: string;
  readonly pred: string;
  readonly truth: string;
}

export type Protocol = 'rule' | 'gt-assisted';

/** A prediction file, read: its size and how it becomes the mask scored against the ground truth. */
interface Prediction {
  readonly width: number;
  readonly height: number;
  mask(truth: Uint8Array): Uint8Array;
}

/** Per protocol: which files of the prediction folder it scores, and how it reads one. */
const PROTOCOLS: Record<Protocol, { readonly scores: (name: string) => boolean; read(path: string): Promise<Prediction> }> = {
  rule: {
    scores: (name) => !name.includes('.labels.'),
    read: async (path) => {
      const p = await readMask(path);
      return { width: p.width, height: p.height, mask: () => p.mask };
    },
  },
  // The reference's ground-truth-assisted protocol on the label maps (for comparison only).
  'gt-assisted': {
    scores: (name) => name.endsWith('.labels.png'),
    read: async (path) => {
      const { width, height, rgb } = await readRgb(path);
      const labels = new Uint8Array(width * height);
      for (let i = 0; i < labels.length; i++) labels[i] = rgb[i * 3] as number;
      return { width, height, mask: (truth) => referenceAssistedMask(labels, truth, width, height).mask };
    },
  },
};

export async function evaluateFolders(predDir: string, truthDir: string, protocol: Protocol = 'rule'): Promise<{ rows: EvalRow[]; missing: string[] }> {
  const { scores, read } = PROTOCOLS[protocol];
  const preds = await masksById(predDir, scores);
  const truths = await masksById(truthDir, () => true);
  const rows: EvalRow[] = [];
  const missing: string[] = [];
  for (const [id, truthPath] of truths) {
    const predPath = preds.get(id);
    if (!predPath) {
      missing.push(id);
      continue;
    }
    const [p, t] = await Promise.all([read(predPath), readMask(truthPath)]);
    if (p.width !== t.width || p.height !== t.height) throw new Error(`${predPath}: ${p.width}×${p.height} but the ground truth is ${t.width}×${t.height}`);
    rows.push({ id, pred: predPath, truth: truthPath, ...overlap(p.mask(t.mask), t.mask) });
  }
  return { rows, missing };
}

export async function run(args: string[], io: CommandIO): Promise<number> {
  let v;
  try {
    v = parseArgs({ args, options: { pred: { type: 'string' }, truth: { type: 'string' }, protocol: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean' } } }).values;
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
  const protocol = (v.protocol ?? 'rule') as Protocol;
  if (protocol !== 'rule' && protocol !== 'gt-assisted') {
    io.stderr.write(`s3-annotate eval: --protocol must be rule or gt-assisted, got ${protocol}\n`);
    return 2;
  }
  let result;
  try {
    result = await evaluateFolders(v.pred, v.truth, protocol);
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
    io.stdout.write(`${JSON.stringify({ protocol, images: rows, ...summary, count: rows.length, missing })}\n`);
  } else {
    if (protocol === 'gt-assisted') io.stdout.write('protocol: gt-assisted (uses the ground truth to choose and clip: for comparison only)\n');
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
