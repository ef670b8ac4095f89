// Honest confidence (issue 12 item 4): does a proposal's confidence rank it by how likely it needs correction?
// For each set: Spearman's ρ between confidence and Dice, and the share of the proposals below 0.90 Dice that the
// least-confident 20 % hold. Reads `s3-annotate segment --json` runs (their confidence and masks) and scores them
// against the truth; also recomputes the confidence from the mask and the image with model/postprocess/confidence.ts
// (the function the rules now call), so the stored and the recomputed rankings can be compared on the same masks.
//   node main/cli/run-ts.mjs test/eval/confidence.ts [--runs .tmp/robot/proposals] [--sets ph2-extra,…] [--json FILE]
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from '../helpers/data';
import { ROBOT_SETS, type RobotSet } from './robot/robot';
import { dice } from './robot/clicks';
import { readMask, readRgb, toUnitRgb } from '../../main/services/images/read';
import { imageId } from '../../main/services/evaluation/metrics';
import { loadSeriesForSegmentation } from '../../main/services/dicom/index';
import { lesionConfidence, lesionTarget, lungConfidence, lungTarget, type Confidence } from '../../model/postprocess';

/** Spearman's rank correlation (average ranks for ties); NaN for fewer than 3 pairs or a constant side. */
export function spearman(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) throw new RangeError('spearman: lists of different length');
  if (a.length < 3) return NaN;
  const ranks = (xs: readonly number[]) => {
    const order = xs.map((x, i) => [x, i] as const).sort((p, q) => p[0] - q[0]);
    const r = new Array<number>(xs.length);
    for (let i = 0; i < order.length; ) {
      let j = i;
      while (j + 1 < order.length && (order[j + 1] as readonly [number, number])[0] === (order[i] as readonly [number, number])[0]) j++;
      for (let k = i; k <= j; k++) r[(order[k] as readonly [number, number])[1]] = (i + j) / 2 + 1;
      i = j + 1;
    }
    return r;
  };
  const ra = ranks(a), rb = ranks(b);
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const ma = mean(ra), mb = mean(rb);
  let num = 0, da = 0, db = 0;
  for (let i = 0; i < ra.length; i++) {
    const x = (ra[i] as number) - ma, y = (rb[i] as number) - mb;
    num += x * y;
    da += x * x;
    db += y * y;
  }
  return da && db ? num / Math.sqrt(da * db) : NaN;
}

/**
 * Of the proposals below `below` Dice, the share found among the least-confident `fraction` of all proposals
 * (ties at the cut broken towards lower Dice being found last: the pessimistic count). NaN when none is below.
 */
export function shareCaught(confidence: readonly number[], diceOf: readonly number[], below = 0.9, fraction = 0.2): number {
  const bad = diceOf.filter((d) => d < below).length;
  if (!bad) return NaN;
  const k = Math.ceil(fraction * confidence.length);
  // Least confident first; among equal confidence the better proposals first (so ties do not flatter the score).
  const order = confidence.map((c, i) => i).sort((i, j) => (confidence[i] as number) - (confidence[j] as number) || (diceOf[j] as number) - (diceOf[i] as number));
  return order.slice(0, k).filter((i) => (diceOf[i] as number) < below).length / bad;
}

export interface ConfidenceRow {
  readonly id: string;
  readonly dice: number;
  /** What `segment --json` reported. */
  readonly stored: number;
  /** Recomputed from the mask and the image. */
  readonly recomputed: number;
  readonly signals: Readonly<Record<string, number>>;
  /** What the rule reports now (lesionTarget / lungTarget on the run's own label map): the CLI's and the app's value. */
  readonly now: number;
  /** The same with an earlier version of the rules (--before), when given. */
  readonly before?: number;
}
export interface ConfidenceResult {
  readonly set: string;
  readonly rows: ConfidenceRow[];
  readonly stored: { spearman: number; caught: number };
  readonly recomputed: { spearman: number; caught: number };
  readonly now: { spearman: number; caught: number };
  readonly before?: { spearman: number; caught: number };
  readonly below90: number;
}

interface SegmentRecord { readonly input: string; readonly confidence: number; readonly mask?: string; readonly labels?: string }

/** The run's label map back at the working size (segment writes it resized to native by nearest neighbour). */
async function workingLabels(path: string, size: number): Promise<Uint8Array> {
  const { width, height, rgb } = await readRgb(path);
  return Uint8Array.from({ length: size * size }, (_, i) => {
    const x = i % size, y = (i - x) / size;
    return rgb[3 * (Math.min(height - 1, Math.floor(((y + 0.5) * height) / size)) * width + Math.min(width - 1, Math.floor(((x + 0.5) * width) / size)))] as number;
  });
}
const SIZE = 256;

/** The two rules of a version of model/postprocess (for the before/after comparison). */
export interface Rules {
  readonly lesionTarget: typeof lesionTarget;
  readonly lungTarget: typeof lungTarget;
}

export async function measureConfidence(set: RobotSet, runDir: string, before?: Rules): Promise<ConfidenceResult | undefined> {
  const file = join(runDir, 'run.jsonl');
  if (!existsSync(file)) return undefined;
  const records = (await readFile(file, 'utf8')).split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as SegmentRecord);
  const truthNames = new Map((await readdir(set.truth)).map((t) => [imageId(t), t]));
  const rows: ConfidenceRow[] = [];
  for (const r of records) {
    const id = imageId(r.input), truthName = truthNames.get(id);
    const maskPath = r.mask ? join(REPO_ROOT, r.mask) : join(runDir, `${basename(r.input, extname(r.input))}.mask.png`);
    if (!truthName || !existsSync(maskPath)) continue;
    const truth = await readMask(join(set.truth, truthName)), pred = await readMask(maskPath);
    const labelsPath = r.labels ? join(REPO_ROOT, r.labels) : maskPath.replace(/\.mask\.png$/, '.labels.png');
    const labels = existsSync(labelsPath) ? await workingLabels(labelsPath, SIZE) : new Uint8Array(SIZE * SIZE);
    let c: Confidence, now: number, old: number | undefined;
    if (set.kind === 'ct') {
      const slice = (await loadSeriesForSegmentation([r.input])).series[0]?.slices[0];
      if (!slice) continue;
      c = lungConfidence(pred.mask, slice.hu, slice.width, slice.height);
      now = lungTarget(labels, SIZE, slice.hu, slice.width, slice.height).confidence;
      old = before?.lungTarget(labels, SIZE, slice.hu, slice.width, slice.height).confidence;
    } else {
      const rgb = await readRgb(r.input);
      const image = { width: rgb.width, height: rgb.height, data: toUnitRgb(rgb) };
      c = lesionConfidence(pred.mask, image);
      now = lesionTarget(labels, SIZE, image).confidence;
      old = before?.lesionTarget(labels, SIZE, image).confidence;
    }
    rows.push({ id, dice: dice(pred.mask, truth.mask), stored: r.confidence, recomputed: c.confidence, signals: c.signals, now, ...(old === undefined ? {} : { before: old }) });
  }
  const d = rows.map((r) => r.dice);
  const score = (c: number[]) => ({ spearman: spearman(c, d), caught: shareCaught(c, d) });
  return { set: set.id, rows, stored: score(rows.map((r) => r.stored)), recomputed: score(rows.map((r) => r.recomputed)), now: score(rows.map((r) => r.now)),
    ...(before ? { before: score(rows.map((r) => r.before ?? NaN)) } : {}), below90: d.filter((x) => x < 0.9).length };
}

const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '—');
const pct = (x: number) => (Number.isFinite(x) ? `${Math.round(100 * x)} %` : '—');

/** The "Confidence" section of docs/EVALUATION.md. */
export function confidenceReport(results: readonly ConfidenceResult[], beforeLabel = 'before'): string[] {
  const withBefore = results.some((r) => r.before);
  const lines = [
    '## Confidence: does it rank proposals by how likely they need correction?',
    '',
    'Per set, over the GT-free proposals of `s3-annotate segment` (default mode): Spearman\'s ρ between the confidence',
    'and Dice, and of the proposals below 0.90 Dice the share found among the least-confident 20 % (ties ranked',
    'pessimistically). *stored*: the confidence that run\'s `segment --json` reported; *mask + image*: `lesionConfidence` /',
    '`lungConfidence` (`model/postprocess/confidence.ts`) on the same mask and image, no other evidence; *now*: what the',
    'rules report now (that function with their evidence: S3-Net\'s support for lesions, the lung rule\'s own confidence),',
    `recomputed from the run's label map${withBefore ? `; *${beforeLabel}*: the rules of that version on the same label maps` : ''}.`,
    'Measured by `test/eval/confidence.ts`.',
    '',
    `| set | proposals | below 0.90 | ρ stored | caught stored | ρ mask + image | caught mask + image | ρ now | caught now |${withBefore ? ` ρ ${beforeLabel} | caught ${beforeLabel} |` : ''}`,
    `|---|---|---|---|---|---|---|---|---|${withBefore ? '---|---|' : ''}`,
  ];
  for (const r of results) {
    lines.push(`| ${r.set} | ${r.rows.length} | ${r.below90} | ${f3(r.stored.spearman)} | ${pct(r.stored.caught)} | ${f3(r.recomputed.spearman)} | ${pct(r.recomputed.caught)} | ${f3(r.now.spearman)} | ${pct(r.now.caught)} |${withBefore ? ` ${f3(r.before?.spearman ?? NaN)} | ${pct(r.before?.caught ?? NaN)} |` : ''}`);
  }
  lines.push('');
  return lines;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  // --before DIR: a checkout's model/postprocess of an earlier version (git archive <commit> model/postprocess model/types.ts | tar -x -C DIR).
  const { values } = parseArgs({ options: { runs: { type: 'string', default: join(REPO_ROOT, '.tmp/robot/proposals') }, sets: { type: 'string' }, verbose: { type: 'boolean', default: false }, before: { type: 'string' }, 'before-label': { type: 'string', default: 'before' } } });
  const before = values.before ? ((await import(pathToFileURL(resolve(values.before, 'model/postprocess/index.ts')).href)) as Rules) : undefined;
  const sets = values.sets ? ROBOT_SETS.filter((s) => values.sets?.split(',').includes(s.id)) : ROBOT_SETS;
  const results: ConfidenceResult[] = [];
  for (const set of sets) {
    const r = await measureConfidence(set, join(values.runs as string, set.id), before);
    if (!r) continue;
    results.push(r);
    if (values.verbose) for (const row of r.rows) console.log(`${set.id} ${row.id} dice ${row.dice.toFixed(3)} stored ${row.stored.toFixed(3)} new ${row.recomputed.toFixed(3)} now ${row.now.toFixed(3)} ${Object.entries(row.signals).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(' ')}`);
  }
  console.log(confidenceReport(results, values['before-label']).join('\n'));
}
