// `s3-annotate interactive <image or DICOM file> --out DIR --json`: prompted S3-Net over a JSON-lines protocol.
// Thin over the interactive session service (main/services/interactive), which the app's prompt IPC uses as well.
import { basename, extname, join } from 'node:path';
import { mkdir } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { validateConfig, type S3NetConfig } from '../../../model/config';
import type { BackendChoice, RgbImage } from '../../../model/types';
import type { TargetMessage } from '../../../model/prompt/protocol';
import { readRgb, toUnitRgb, writeGreyPng } from '../../services/images/read';
import { loadSeriesForSegmentation, lungWindowRgb } from '../../services/dicom/index';
import { InteractiveSession, PromptError, type Prompt, type StepResult } from '../../services/interactive/session';
import { expandInputs } from '../inputs';
import type { CommandIO } from './info';

export const INTERACTIVE_HELP = `usage: s3-annotate interactive <image or DICOM file> --out DIR --json [options]

Trains S3-Net on the image, prints the automatic proposal as step 0, then reads one prompt per line on stdin:
  {"prompt":"click","x":X,"y":Y,"label":"include"|"exclude"}
  {"prompt":"stroke","points":[[x,y],…],"width":W,"label":"include"|"exclude"}
  {"prompt":"box","x0":X0,"y0":Y0,"x1":X1,"y1":Y1}
  {"prompt":"undo"}
After each it writes DIR/<name>.step<N>.mask.png (0/255, the input's size) and prints
  {"step":N,"mask":"…","seconds":S,"iterations":I}
Coordinates are the input's pixel columns and rows, origin top-left. A malformed line gets {"error":"…"} and the
session goes on; end of input ends it (exit 0).

  --out DIR              output folder (created if missing)
  --json                 JSON lines on stdout (the only output format)
  --no-proposal          start from an empty mask instead of the automatic proposal
  --backend auto|tensorflow|wasm|cpu
  --seed N               random seed (default 1)
  --size N               S3-Net's working size (default ${128})
`;

/** The working size of prompted sessions: measured no worse than 256² on ph2-extra with the seeded head, 4× cheaper. */
export const INTERACTIVE_SIZE = 128;

const point = z.tuple([z.number().finite(), z.number().finite()]);
const label = z.enum(['include', 'exclude']);
const line = z.discriminatedUnion('prompt', [
  z.object({ prompt: z.literal('click'), x: z.number().finite(), y: z.number().finite(), label }),
  z.object({ prompt: z.literal('stroke'), points: z.array(point).min(1).max(100_000), width: z.number().finite().positive(), label }),
  z.object({ prompt: z.literal('box'), x0: z.number().finite(), y0: z.number().finite(), x1: z.number().finite(), y1: z.number().finite() }),
  z.object({ prompt: z.literal('undo') }),
]);

async function loadInput(path: string): Promise<{ image: RgbImage; target: TargetMessage; name: string }> {
  const { photos, dicom, errors } = await expandInputs([path]);
  if (errors.length) throw new Error(errors.map((e) => e.reason).join('; '));
  if (photos.length === 1 && dicom.length === 0) {
    const decoded = await readRgb(photos[0] as string);
    return { image: { width: decoded.width, height: decoded.height, data: toUnitRgb(decoded) }, target: { kind: 'lesion' }, name: basename(path, extname(path)) };
  }
  if (dicom.length !== 1 || photos.length) throw new Error('give exactly one photograph or one DICOM file');
  const loaded = await loadSeriesForSegmentation(dicom);
  const slice = loaded.series[0]?.slices[0];
  if (!slice) throw new Error(loaded.skipped[0]?.reason ?? 'no decodable image');
  const modality = loaded.series[0]?.index.modality;
  const image = { width: slice.width, height: slice.height, data: lungWindowRgb(slice.hu) };
  return { image, target: modality === 'CT' || modality === undefined ? { kind: 'lung', hu: slice.hu } : { kind: 'none' }, name: basename(path, extname(path)) };
}

export async function run(args: string[], io: CommandIO): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args, allowPositionals: true,
      options: { out: { type: 'string' }, json: { type: 'boolean' }, 'no-proposal': { type: 'boolean' }, backend: { type: 'string' }, seed: { type: 'string' }, size: { type: 'string' }, help: { type: 'boolean' } },
    });
  } catch (err) {
    io.stderr.write(`s3-annotate interactive: ${(err as Error).message}\n${INTERACTIVE_HELP}`);
    return 2;
  }
  const v = parsed.values;
  if (v.help) {
    io.stdout.write(INTERACTIVE_HELP);
    return 0;
  }
  const fail = (m: string) => (io.stderr.write(`s3-annotate interactive: ${m}\n`), 2);
  if (!v.out) return fail('--out DIR is required');
  if (parsed.positionals.length !== 1) return fail('give exactly one image or DICOM file');
  const config: Partial<S3NetConfig> = {
    mode: 'default', backend: (v.backend ?? 'auto') as BackendChoice, size: v.size ? Number(v.size) : INTERACTIVE_SIZE,
    ...(v.seed !== undefined ? { seed: Number(v.seed) } : {}),
  };
  try {
    validateConfig(config);
  } catch (err) {
    return fail((err as Error).message);
  }
  const input = parsed.positionals[0] as string;
  let loaded;
  try {
    loaded = await loadInput(input);
  } catch (err) {
    io.stderr.write(`s3-annotate: ${input}: ${(err as Error).message}\n`);
    return 1;
  }
  await mkdir(v.out, { recursive: true });
  const { image, target, name } = loaded;
  const emit = (o: object) => io.stdout.write(`${JSON.stringify(o)}\n`);
  const write = async (step: StepResult) => {
    const path = join(v.out as string, `${name}.step${step.step}.mask.png`);
    // A session's step files are its own output: a rerun into the same folder replaces them.
    await writeGreyPng(path, step.mask.map((m) => (m ? 255 : 0)), image.width, image.height, true);
    emit({ step: step.step, mask: path, seconds: Number(step.seconds.toFixed(3)), iterations: step.iterations });
  };
  let opened;
  try {
    opened = await InteractiveSession.open(image, target, { config, propose: !v['no-proposal'] });
  } catch (err) {
    io.stderr.write(`s3-annotate: ${input}: ${(err as Error).message}\n`);
    return 1;
  }
  const { session } = opened;
  let step = opened.step.step;
  try {
    await write(opened.step);
    const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
    for await (const text of rl) {
      if (!text.trim()) continue;
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        emit({ error: 'not JSON' });
        continue;
      }
      const msg = line.safeParse(json);
      if (!msg.success) {
        emit({ error: `not a prompt: ${msg.error.issues.map((i) => `${i.path.join('.') || 'line'}: ${i.message}`).join('; ')}` });
        continue;
      }
      try {
        const m = msg.data;
        if (m.prompt === 'undo') {
          const r = await session.undo();
          if (!r) emit({ error: 'nothing to undo' });
          else await write({ ...r, step: ++step });
          continue;
        }
        const prompt: Prompt = m.prompt === 'click'
          ? { kind: 'click', x: m.x, y: m.y, label: m.label }
          : m.prompt === 'stroke'
            ? { kind: 'stroke', points: m.points, width: m.width, label: m.label }
            : { kind: 'box', x0: m.x0, y0: m.y0, x1: m.x1, y1: m.y1 };
        const r = await session.prompt(prompt);
        await write({ ...r, step: ++step });
      } catch (err) {
        emit({ error: err instanceof PromptError ? err.message : `${(err as Error).name}: ${(err as Error).message}` });
      }
    }
  } finally {
    await session.close();
  }
  return 0;
}
