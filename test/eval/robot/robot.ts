// The robot user's loop over real images: the data sets (in the order), the engines it drives (S3-Net's
// `s3-annotate interactive`, GrabCut, the random walker — all over the same JSON-lines protocol), and one session.
import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { DATA_DIR, REPO_ROOT } from '../../helpers/data';
import { SYSTEM_PYTHON } from '../../helpers/tools';
import { loadSeriesForSegmentation, lungWindowRgb } from '../../../main/services/dicom/index';
import { readMask, writeGreyPng } from '../../../main/services/images/read';
import { imageId } from '../../../main/services/evaluation/metrics';
import { dice, nextClick, type Click, type RobotTrace } from './clicks';
import { InteractiveSession, type SessionCommand } from './session';

export interface RobotSet {
  readonly id: string;
  readonly title: string;
  readonly images: string;
  readonly truth: string;
  readonly kind: 'photo' | 'ct';
  readonly citation: string;
}

const PH2 = 'T. Mendonça et al., "PH² – A dermoscopic image database for research and benchmarking", IEEE EMBC 2013';
const ISIC = 'N. C. F. Codella et al., "Skin lesion analysis toward melanoma detection: a challenge at the 2017 ISBI, hosted by the ISIC", IEEE ISBI 2018';
const ACRIN = 'ACRIN-FLT-Breast collection, TCIA (lung contours from its RT structure set via github.com/ljm861/Medical_AI_Tutorials, rasterised)';

/** The order: the larger development sets first, then the small ones, then CT. */
export const ROBOT_SETS: readonly RobotSet[] = [
  { id: 'ph2-extra', title: 'PH2 extra (45 photos)', images: join(DATA_DIR, 'skin/ph2-extra/images'), truth: join(DATA_DIR, 'skin/ph2-extra/masks'), kind: 'photo', citation: PH2 },
  { id: 'isic2017-extra', title: 'ISIC 2017 extra (30 photos)', images: join(DATA_DIR, 'skin/isic2017-extra/images'), truth: join(DATA_DIR, 'skin/isic2017-extra/masks'), kind: 'photo', citation: ISIC },
  { id: 'ph2', title: 'PH2 (15 photos)', images: join(DATA_DIR, 'skin/ph2/images'), truth: join(DATA_DIR, 'skin/ph2/masks'), kind: 'photo', citation: PH2 },
  { id: 'isic2017', title: 'ISIC 2017 (6 photos)', images: join(DATA_DIR, 'skin/isic2017/images'), truth: join(DATA_DIR, 'skin/isic2017/masks'), kind: 'photo', citation: ISIC },
  { id: 'lung', title: 'Chest CT lungs (8 slices, ACRIN-FLT-Breast_001)', images: join(DATA_DIR, 'ct/lung-masks/images'), truth: join(DATA_DIR, 'ct/lung-masks/masks'), kind: 'ct', citation: ACRIN },
];

/** One image with its ground truth; baselineImage is what OpenCV reads (the photo, or the slice's lung window). */
export interface RobotItem {
  readonly id: string;
  readonly image: string;
  readonly baselineImage: string;
  readonly width: number;
  readonly height: number;
  readonly truth: Uint8Array;
}

/** The set's images paired with their truth (by image id), sorted; CT slices get a lung-window PNG for the baselines. */
export async function robotItems(set: RobotSet, work: string, limit = Infinity): Promise<RobotItem[]> {
  const truthNames = new Map((await readdir(set.truth)).map((t) => [imageId(t), t]));
  const names = (await readdir(set.images)).filter((n) => truthNames.has(imageId(n))).sort().slice(0, limit);
  const items: RobotItem[] = [];
  for (const name of names) {
    const truth = await readMask(join(set.truth, truthNames.get(imageId(name)) as string));
    const image = join(set.images, name);
    let baselineImage = image;
    if (set.kind === 'ct') {
      const { series } = await loadSeriesForSegmentation([image]);
      const slice = series[0]?.slices[0];
      if (!slice) throw new Error(`${image}: no CT slice to evaluate`);
      const rgb = lungWindowRgb(slice.hu);
      const grey = Uint8Array.from({ length: slice.width * slice.height }, (_, i) => Math.round(255 * (rgb[i * 3] as number)));
      await mkdir(join(work, 'lung-window'), { recursive: true });
      baselineImage = join(work, 'lung-window', `${imageId(name)}.png`);
      await writeGreyPng(baselineImage, grey, slice.width, slice.height, true);
    }
    items.push({ id: imageId(name), image, baselineImage, width: truth.width, height: truth.height, truth: truth.mask });
  }
  return items;
}

export interface RobotEngine {
  readonly id: string;
  readonly label: string;
  /** The session's command for one image; proposal is the automatic proposal's mask file (baselines start from it). */
  command(item: RobotItem, proposal: string | undefined, out: string): SessionCommand;
}

const CLI = join(REPO_ROOT, 'main/cli/bin.mjs');
export const BASELINES = join(REPO_ROOT, 'test/eval/robot/baselines.py');

export const S3NET: RobotEngine = {
  id: 's3net',
  label: 'S3-Net (s3-annotate interactive)',
  command: (item, _proposal, out) => ({ command: process.execPath, args: [CLI, 'interactive', item.image, '--out', out, '--json'], cwd: REPO_ROOT }),
};
const baseline = (id: string, label: string): RobotEngine => ({
  id,
  label,
  command: (item, proposal, out) => ({
    command: SYSTEM_PYTHON,
    args: [BASELINES, '--method', id, '--image', item.baselineImage, '--out', out, '--name', item.id, ...(proposal ? ['--proposal', proposal] : [])],
    cwd: REPO_ROOT,
  }),
});
export const GRABCUT = baseline('grabcut', 'GrabCut (OpenCV)');
export const RANDOM_WALKER = baseline('random-walker', 'random walker (scikit-image)');
export const ENGINES: readonly RobotEngine[] = [S3NET, GRABCUT, RANDOM_WALKER];

/** Whether this checkout has the `interactive` command yet (the lead's issue 9 item 5). */
export function hasInteractiveCommand(): boolean {
  return existsSync(join(REPO_ROOT, 'main/cli/commands/interactive.ts'));
}

export interface RobotOptions {
  readonly maxClicks: number;
  /** Per step (proposal or click). */
  readonly timeoutMs: number;
}

/** A finished session: the trace plus the step-0 mask (the proposal the others may share). */
export interface RobotRun extends RobotTrace {
  readonly proposalMask: string;
}

async function readStepMask(path: string, item: RobotItem, engine: RobotEngine): Promise<Uint8Array> {
  const m = await readMask(path);
  if (m.width !== item.width || m.height !== item.height) {
    throw new Error(`${engine.id} on ${item.image}: ${path} is ${m.width}×${m.height}, the truth ${item.width}×${item.height}`);
  }
  return m.mask;
}

/**
 * One robot session: the engine's step 0, then up to maxClicks clicks, each at the deepest pixel of the largest error
 * region of the engine's current mask (so each engine is clicked on its own errors). Stops early when the mask is exact.
 */
export async function runRobot(engine: RobotEngine, item: RobotItem, proposal: string | undefined, out: string, o: RobotOptions): Promise<RobotRun> {
  await mkdir(out, { recursive: true });
  const session = new InteractiveSession(engine.command(item, proposal, out), o.timeoutMs);
  const diceAfter: number[] = [], clicks: Click[] = [], seconds: number[] = [];
  try {
    const step0 = await session.next();
    let pred = await readStepMask(step0.mask, item, engine);
    diceAfter.push(dice(pred, item.truth));
    for (let k = 1; k <= o.maxClicks; k++) {
      const click = nextClick(pred, item.truth, item.width, item.height);
      if (!click) break;
      const { step, wallSeconds } = await session.click(click);
      if (step.step !== k) throw new Error(`${engine.id} on ${item.image}: expected step ${k}, got ${step.step}`);
      pred = await readStepMask(step.mask, item, engine);
      clicks.push(click);
      seconds.push(wallSeconds);
      diceAfter.push(dice(pred, item.truth));
    }
    const code = await session.close();
    if (code !== 0) throw new Error(`${engine.id} on ${item.image}: exit ${code} at the end of the session`);
    return { id: item.id, dice: diceAfter, clicks, seconds, proposalMask: step0.mask };
  } catch (err) {
    await session.close().catch(() => undefined);
    throw err;
  }
}

/** The automatic proposal of a `s3-annotate segment` run for an item (its <name>.mask.png), if that run made one. */
export function segmentProposal(dir: string, item: RobotItem): string | undefined {
  const path = join(dir, `${basename(item.image, extname(item.image))}.mask.png`);
  return existsSync(path) ? path : undefined;
}

export async function saveJson(path: string, value: unknown): Promise<void> {
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, `${JSON.stringify(value, null, 1)}\n`);
}
