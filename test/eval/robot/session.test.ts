// The baselines speak the interactive JSON-lines protocol: the robot drives them on a real PH2 photo, and bad lines
// get {"error": …} while the session goes on. (Debian's python3-opencv and python3-skimage, as .ci/run installs.)
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dice, nextClick, type Click } from './clicks';
import { BASELINES, GRABCUT, RANDOM_WALKER, runRobot, type RobotItem } from './robot';
import { InteractiveSession, parseStepLine } from './session';
import { readMask, writeGreyPng } from '../../../main/services/images/read';
import { erode } from '../../../model/postprocess';
import { dataPath } from '../../helpers/data';
import { SYSTEM_PYTHON } from '../../helpers/tools';

let dir: string, item: RobotItem, proposal: string, proposalMask: Uint8Array;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 's3-robot-'));
  const truth = await readMask(dataPath('skin/ph2/masks/IMD002_lesion.bmp'));
  item = { id: 'IMD002', image: dataPath('skin/ph2/images/IMD002.bmp'), baselineImage: dataPath('skin/ph2/images/IMD002.bmp'), width: truth.width, height: truth.height, truth: truth.mask };
  // A proposal that misses the lesion's rim: the expert mask eroded by 25 px.
  proposalMask = erode(truth.mask, truth.width, truth.height, 25);
  proposal = join(dir, 'proposal.png');
  await writeGreyPng(proposal, Uint8Array.from(proposalMask, (v) => v * 255), truth.width, truth.height);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('baselines over the interactive protocol', () => {
  it('GrabCut: step 0 is the proposal, each robot click gives a step and a mask of the photo\'s size', async () => {
    const run = await runRobot(GRABCUT, item, proposal, join(dir, 'grabcut'), { maxClicks: 2, timeoutMs: 60_000 });
    expect(run.dice).toHaveLength(3);
    expect(run.dice[0]).toBeCloseTo(dice(proposalMask, item.truth), 12);
    expect(run.clicks[0]?.label).toBe('include'); // the missed rim is the only error
    expect(run.dice[2] as number).toBeGreaterThan(run.dice[0] as number);
    expect(run.seconds).toHaveLength(2);
    const step2 = await readMask(join(dir, 'grabcut', 'IMD002.step2.mask.png'));
    expect([step2.width, step2.height]).toEqual([item.width, item.height]);
  });

  it('random walker: malformed lines and clicks outside the image get an error line, the session goes on', async () => {
    const session = new InteractiveSession({
      command: SYSTEM_PYTHON,
      args: [BASELINES, '--method', RANDOM_WALKER.id, '--image', item.image, '--proposal', proposal, '--out', join(dir, 'rw'), '--name', 'IMD002'],
    }, 60_000);
    const step0 = await session.next();
    expect(step0.step).toBe(0);
    session.send('not json');
    await expect(session.next()).rejects.toThrow(/not JSON/);
    session.send(JSON.stringify({ prompt: 'click', x: item.width, y: 0, label: 'include' }));
    await expect(session.next()).rejects.toThrow(/outside the 7\d\dx5\d\d image/);
    session.send(JSON.stringify({ prompt: 'click', x: 10, y: 10, label: 'maybe' }));
    await expect(session.next()).rejects.toThrow(/label must be/);
    // The robot's click on the missed rim is a definite lesion seed: the walker's mask now holds it (the proposal did not).
    const click = nextClick(proposalMask, item.truth, item.width, item.height) as Click;
    const { step } = await session.click(click);
    expect(step.step).toBe(1);
    const mask = await readMask(step.mask);
    expect(proposalMask[click.y * item.width + click.x]).toBe(0);
    expect(mask.mask[click.y * item.width + click.x]).toBe(1);
    expect(dice(mask.mask, item.truth)).toBeGreaterThan(0.8);
    expect(await session.close()).toBe(0);
  });

  it('refuses step lines without the protocol fields', () => {
    expect(parseStepLine('{"error":"x"}')).toEqual({ error: 'x' });
    expect(() => parseStepLine('{"step":1}')).toThrow(/without step\/mask/);
    expect(() => parseStepLine('oops')).toThrow(/not a JSON line/);
  });

  it('names the file when the image cannot be read', async () => {
    const session = new InteractiveSession({ command: SYSTEM_PYTHON, args: [BASELINES, '--method', 'grabcut', '--image', join(dir, 'missing.bmp'), '--out', dir] }, 60_000);
    await expect(session.next()).rejects.toThrow(/missing\.bmp: cannot read the image/);
    expect(await session.close()).toBe(2);
  });
});
