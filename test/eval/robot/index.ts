// The robot-user evaluation (issue 9 item 6): S3-Net and the GrabCut / random-walker baselines, each clicked on its
// own errors from the same automatic proposal; per set mean Dice after 0…5 clicks, NoC@85/90, failures, s/click.
// `npm run eval` calls runRobotEvaluation and robotReport; alone:
//   node main/cli/run-ts.mjs test/eval/robot/index.ts [--sets ph2-extra,…] [--engines s3net,grabcut,random-walker]
//        [--limit N] [--clicks 5] [--proposals DIR] [--out .tmp/robot/runs]
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from '../../helpers/data';
import { summariseRobot, type RobotSummary } from './clicks';
import {
  ENGINES, ROBOT_SETS, S3NET, hasInteractiveCommand, robotItems, runRobot, saveJson, segmentProposal,
  type RobotEngine, type RobotItem, type RobotRun, type RobotSet,
} from './robot';

export interface RobotEvaluationOptions {
  readonly sets: readonly RobotSet[];
  readonly engines: readonly RobotEngine[];
  /** At most this many images per set (the first in name order): keeps the cost bounded. */
  readonly limit: number;
  readonly maxClicks: number;
  /** Where `s3-annotate segment` proposals live, one folder per set id (made there when missing, with run.jsonl). */
  readonly proposals: string;
  /** A set's proposal folder when not <proposals>/<set id> (the eval reuses its own default-mode runs). */
  readonly proposalDirOf?: (set: RobotSet) => string | undefined;
  readonly out: string;
  readonly timeoutMs: number;
}

export interface RobotResult {
  readonly set: RobotSet;
  readonly engine: RobotEngine;
  /** Where the step-0 masks came from: S3-Net's own proposal, or a `segment` run. */
  readonly proposalSource: string;
  readonly runs: RobotRun[];
  readonly failed: { id: string; error: string }[];
  readonly summary: RobotSummary;
}

const rel = (p: string) => relative(REPO_ROOT, p) || '.';

/**
 * `s3-annotate segment` on the items that have no proposal yet (the CLI's default mode, as the app proposes); its
 * --json records are appended to run.jsonl there (test/eval/confidence.ts reads them).
 */
export async function makeProposals(items: readonly RobotItem[], dir: string): Promise<void> {
  const missing = items.filter((i) => !segmentProposal(dir, i)).map((i) => i.image);
  if (!missing.length) return;
  await mkdir(dir, { recursive: true });
  process.stderr.write(`robot: s3-annotate segment ${missing.length} images --out ${rel(dir)}\n`);
  const records = createWriteStream(join(dir, 'run.jsonl'), { flags: 'a' });
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'main/cli/bin.mjs'), 'segment', ...missing, '--out', dir, '--json'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout.pipe(records);
    child.on('error', reject);
    child.on('close', (c) => resolve(c ?? 1));
  });
  if (code !== 0) process.stderr.write(`robot: segment exited ${code}; images without a proposal are reported as failed\n`);
}

export async function runRobotEvaluation(o: RobotEvaluationOptions): Promise<RobotResult[]> {
  const results: RobotResult[] = [];
  const withS3 = o.engines.includes(S3NET) && hasInteractiveCommand();
  for (const set of o.sets) {
    const work = join(o.out, set.id);
    const items = await robotItems(set, work, o.limit);
    const proposalDir = o.proposalDirOf?.(set) ?? join(o.proposals, set.id);
    // The shared step 0: S3-Net's own proposal where its interactive command exists, else the segment run's mask.
    const shared = new Map<string, string>();
    const s3: RobotResult | undefined = withS3 ? await runEngine(S3NET, set, items, () => undefined, 'S3-Net\'s own automatic proposal (its step 0)', work, o) : undefined;
    if (s3) {
      results.push(s3);
      for (const r of s3.runs) shared.set(r.id, r.proposalMask);
    } else {
      await makeProposals(items, proposalDir);
    }
    const source = s3 ? 'S3-Net\'s step-0 mask (the same proposal)' : `s3-annotate segment proposals (${rel(proposalDir)})`;
    for (const engine of o.engines.filter((e) => e !== S3NET)) {
      results.push(await runEngine(engine, set, items, (item) => (s3 ? shared.get(item.id) : segmentProposal(proposalDir, item)), source, work, o));
    }
  }
  return results;
}

async function runEngine(
  engine: RobotEngine, set: RobotSet, items: readonly RobotItem[], proposalOf: (item: RobotItem) => string | undefined,
  proposalSource: string, work: string, o: RobotEvaluationOptions,
): Promise<RobotResult> {
  const runs: RobotRun[] = [], failed: { id: string; error: string }[] = [];
  for (const item of items) {
    const proposal = proposalOf(item);
    if (engine !== S3NET && !proposal) {
      failed.push({ id: item.id, error: 'no automatic proposal to start from' });
      continue;
    }
    try {
      const run = await runRobot(engine, item, proposal, join(work, engine.id), o);
      runs.push(run);
      process.stderr.write(`robot ${set.id} ${engine.id} ${item.id}: Dice ${run.dice.map((d) => d.toFixed(3)).join(' → ')}\n`);
    } catch (err) {
      failed.push({ id: item.id, error: (err as Error).message });
      process.stderr.write(`robot ${set.id} ${engine.id} ${item.id}: FAILED ${(err as Error).message}\n`);
    }
  }
  const result: RobotResult = { set, engine, proposalSource, runs, failed, summary: summariseRobot(runs, o.maxClicks) };
  await saveJson(join(work, `${engine.id}.json`), { set: set.id, engine: engine.id, proposalSource, date: new Date().toISOString(), runs, failed, summary: result.summary });
  return result;
}

const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '—');

/** The "Robot user" section of docs/EVALUATION.md. */
export function robotReport(results: readonly RobotResult[], o: Pick<RobotEvaluationOptions, 'maxClicks' | 'limit'>): string[] {
  const lines: string[] = [];
  const out = (s = '') => lines.push(s);
  out('## Robot user');
  out();
  out('The protocol of Xu et al. 2016, RITM and SimpleClick (`test/eval/robot/`): start from the automatic proposal; each');
  out('next click goes to the pixel deepest inside (exact Euclidean distance, image border counted as boundary) the largest');
  out('error region (the largest 8-connected component of the missed target or of the false mask), *include* for missed');
  out(`target, *exclude* for false mask; up to ${o.maxClicks} clicks. Every engine is driven over the JSON-lines protocol of`);
  out('`s3-annotate interactive` and is clicked on its own errors. NoC@85/90: clicks to reach that Dice (0 = the proposal');
  out(`already does; ${o.maxClicks + 1} when never); failures: never ≥ 0.90 within ${o.maxClicks} clicks; s/click: wall clock from`);
  out('the click line sent to the mask file read back (mean, median), on this shared 2-core machine.');
  out();
  out('Baselines (Python, evaluation only — `test/eval/robot/baselines.py`): **GrabCut** (OpenCV 4.6) initialised from the');
  out('proposal as probable foreground/background, click disks (radius 1 % of the working side) definite, 3 iterations on a');
  out('copy at most 320 px on its longest side; **random walker** (scikit-image 0.19, beta 130 as documented, `cg_j`) at');
  out('≤ 384 px, seeded with the click disks, the proposal\'s core and a band outside it (both 15 % of its equivalent radius');
  out('from its outline); a click clears the proposal seeds of the other label within its distance to the outline plus that');
  out('margin. Each step reruns from the proposal with all clicks so far; masks are scaled back to native size (nearest).');
  if (Number.isFinite(o.limit)) out(`Subset: the first ${o.limit} images of each set by name.`);
  out();
  const header = Array.from({ length: o.maxClicks + 1 }, (_, k) => `Dice@${k}`).join(' | ');
  out(`| set | engine | images | ${header} | NoC@85 | NoC@90 | failures | s/click (mean, median) | step 0 from |`);
  out(`|---|---|---|${Array.from({ length: o.maxClicks + 1 }, () => '---').join('|')}|---|---|---|---|---|`);
  for (const r of results) {
    const s = r.summary;
    const failedNote = r.failed.length ? ` (${r.failed.length} failed to run)` : '';
    out(`| ${r.set.id} | ${r.engine.label} | ${s.count}${failedNote} | ${s.meanDice.map(f3).join(' | ')} | ${s.nocAt85.toFixed(2)} | ${s.nocAt90.toFixed(2)} | ${s.failures} | ${s.secondsPerClick.toFixed(2)}, ${s.medianSecondsPerClick.toFixed(2)} | ${r.proposalSource} |`);
  }
  out();
  const errors = results.flatMap((r) => r.failed.map((f) => `- ${r.set.id} ${r.engine.id} ${f.id}: ${f.error.split('\n')[0]}`));
  if (errors.length) {
    out('Sessions that did not run:');
    out();
    for (const e of errors) out(e);
    out();
  }
  if (!results.some((r) => r.engine === S3NET)) {
    out('S3-Net\'s row is missing: this checkout has no `s3-annotate interactive` command yet, so the baselines start from');
    out('the proposals of `s3-annotate segment` (its `.mask.png`).');
    out();
  }
  return lines;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({
    options: {
      sets: { type: 'string' },
      engines: { type: 'string' },
      limit: { type: 'string' },
      clicks: { type: 'string', default: '5' },
      proposals: { type: 'string', default: join(REPO_ROOT, '.tmp/robot/proposals') },
      out: { type: 'string', default: join(REPO_ROOT, '.tmp/robot/runs') },
      report: { type: 'string' },
    },
  });
  const pick = <T extends { id: string }>(all: readonly T[], list: string | undefined, what: string): T[] => {
    if (!list) return [...all];
    return list.split(',').map((id) => {
      const found = all.find((x) => x.id === id);
      if (!found) throw new Error(`unknown ${what} "${id}" (known: ${all.map((x) => x.id).join(', ')})`);
      return found;
    });
  };
  const opts: RobotEvaluationOptions = {
    sets: pick(ROBOT_SETS, values.sets, 'set'),
    engines: pick(ENGINES, values.engines, 'engine'),
    limit: values.limit ? Number(values.limit) : Infinity,
    maxClicks: Number(values.clicks),
    proposals: values.proposals as string,
    out: values.out as string,
    timeoutMs: 180_000,
  };
  const results = await runRobotEvaluation(opts);
  const report = robotReport(results, opts).join('\n');
  console.log(report);
  if (values.report) await saveJson(values.report, { report, results: results.map((r) => ({ set: r.set.id, engine: r.engine.id, summary: r.summary, failed: r.failed })) });
  process.stderr.write(`robot: sessions and traces under ${rel(opts.out)}\n`);
}
