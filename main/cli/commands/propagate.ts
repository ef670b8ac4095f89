// `s3-annotate propagate <series> --mask PNG --slice DICOM --out DIR`: carry one slice's mask up and down the series.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { realpath } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { createSegmentationRunner } from '../../../model/runner';
import { validateConfig, type S3NetConfig } from '../../../model/config';
import type { BackendChoice } from '../../../model/types';
import { FileExistsError, writeFileAtomic } from '../../services/fs/atomic';
import { decodeMaskPng, encodeMaskPng } from '../../services/masks/png';
import { writeSeriesMasks } from '../../services/masks/write';
import { openSeries, SeriesInputError } from '../../services/series/open';
import { propagate } from '../../services/series/propagate';
import { clusterStep } from '../../services/series/cluster-step';
import type { CommandIO } from './info';

export const PROPAGATE_HELP = `usage: s3-annotate propagate <series folder|files…> --mask PNG --slice DICOM --out DIR [options]

Carries the mask drawn on one slice through the series: each next slice is trained warm from the previous one's
S3-Net weights and seeded by its mask (eroded core in, a band outside out). It stops by itself where the structure
ends or the seeds no longer agree with the image, before a slice that already has a mask in --out (accepted or
corrected work is never replaced), and at a gap or a change of grid; each stop is reported with its reason.

  --mask PNG                  the drawn mask (0/255, the slice's size)
  --slice DICOM               the DICOM file of that slice
  --out DIR                   output folder: <DICOM file name without .dcm>.mask.png per slice (or one SEG/NIfTI)
  --direction up|down|both    along the slice order (up: increasing position along the normal; default both)
  --format png|seg|nifti      per-slice PNGs (default), or one DICOM SEG / NIfTI of the start and propagated slices
  --backend auto|tensorflow|wasm|cpu   --size N (default 256)   --max-iter N (default 50)   --seed N
  --max-slices N              at most N slices each way
  --overwrite                 replace an existing SEG/NIfTI (per-slice PNGs that exist are annotated slices: never replaced)
  --json                      one JSON object per slice on stdout
`;

export async function run(args: string[], io: CommandIO): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args, allowPositionals: true,
      options: {
        mask: { type: 'string' }, slice: { type: 'string' }, out: { type: 'string' }, direction: { type: 'string' }, format: { type: 'string' },
        backend: { type: 'string' }, size: { type: 'string' }, 'max-iter': { type: 'string' }, seed: { type: 'string' }, 'max-slices': { type: 'string' },
        overwrite: { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean' },
      },
    });
  } catch (err) {
    io.stderr.write(`s3-annotate propagate: ${(err as Error).message}\n${PROPAGATE_HELP}`);
    return 2;
  }
  const v = parsed.values;
  if (v.help) {
    io.stdout.write(PROPAGATE_HELP);
    return 0;
  }
  const direction = (v.direction ?? 'both') as 'up' | 'down' | 'both';
  const format = (v.format ?? 'png') as 'png' | 'seg' | 'nifti';
  const maxSlices = v['max-slices'] === undefined ? Infinity : Number(v['max-slices']);
  const config: Partial<S3NetConfig> = {
    backend: (v.backend ?? 'auto') as BackendChoice,
    ...(v.size !== undefined ? { size: Number(v.size) } : {}),
    ...(v['max-iter'] !== undefined ? { maxIterations: Number(v['max-iter']) } : {}),
    ...(v.seed !== undefined ? { seed: Number(v.seed) } : {}),
  };
  let problem = !v.mask ? '--mask PNG is required' : !v.slice ? '--slice DICOM is required' : !v.out ? '--out DIR is required'
    : parsed.positionals.length === 0 ? 'no series folder given'
      : !['up', 'down', 'both'].includes(direction) ? `--direction must be up, down or both, got ${direction}`
        : !['png', 'seg', 'nifti'].includes(format) ? `--format must be png, seg or nifti, got ${format}`
          : !(maxSlices >= 1) ? '--max-slices must be a positive integer' : undefined;
  if (!problem) {
    try {
      validateConfig(config);
    } catch (err) {
      problem = (err as Error).message;
    }
  }
  if (problem) {
    io.stderr.write(`s3-annotate propagate: ${problem}\n${PROPAGATE_HELP}`);
    return 2;
  }
  const out = v.out as string;
  const runner = createSegmentationRunner({ workers: 1 });
  try {
    const opened = await openSeries(parsed.positionals);
    const slices = opened.series.slices;
    const wanted = await realpath(resolve(v.slice as string)).catch(() => resolve(v.slice as string));
    const paths = await Promise.all(slices.map((s) => realpath(s.path).catch(() => s.path)));
    const start = paths.findIndex((p) => p === wanted);
    if (start < 0) throw new SeriesInputError(v.slice as string, `is not a slice of the series in ${parsed.positionals.join(', ')}`);
    const startSlice = slices[start]!;
    let drawn;
    try {
      drawn = await decodeMaskPng(v.mask as string);
    } catch (err) {
      throw new SeriesInputError(v.mask as string, `cannot decode the mask: ${(err as Error).message}`);
    }
    if (drawn.width !== startSlice.columns || drawn.height !== startSlice.rows) throw new SeriesInputError(v.mask as string, `mask is ${drawn.width}×${drawn.height}, the slice is ${startSlice.columns}×${startSlice.rows}`);
    const outPath = (k: number) => join(out, `${opened.stems[k]}.mask.png`);
    // Slices that already have a mask in --out are someone's work: propagation stops before them.
    const annotated = new Set(slices.map((_, k) => k).filter((k) => k !== start && existsSync(outPath(k))));
    const volume: Uint8Array[] | undefined = format === 'png' ? undefined : slices.map((s) => new Uint8Array(s.columns * s.rows));
    if (volume) volume[start] = drawn.mask;
    else if (!existsSync(outPath(start))) await writeFileAtomic(outPath(start), await encodeMaskPng(drawn.mask, drawn.width, drawn.height));
    const result = await propagate({
      opened, start, startMask: drawn.mask, direction, annotated, ...(Number.isFinite(maxSlices) ? { maxSlices } : {}),
      step: clusterStep(runner, config),
      onSlice: async (report, mask) => {
        let written: string | undefined;
        if (mask) {
          if (volume) volume[report.slice] = mask;
          else await writeFileAtomic((written = outPath(report.slice)), await encodeMaskPng(mask, startSlice.columns, startSlice.rows));
        }
        if (v.json) io.stdout.write(`${JSON.stringify({ ...report, ...(written ? { mask: written } : {}) })}\n`);
        else if (report.status === 'stopped') io.stderr.write(`s3-annotate: ${report.direction}: stopped at slice ${report.slice}${report.input ? ` (${report.input})` : ''}: ${report.reason}\n`);
      },
    });
    if (volume) for (const p of await writeSeriesMasks(opened.series, volume, format, out, { overwrite: !!v.overwrite })) io.stderr.write(`s3-annotate: wrote ${p}\n`);
    io.stderr.write(`s3-annotate: ${result.proposed} slice(s) proposed from ${startSlice.path}\n`);
    return 0;
  } catch (err) {
    if (err instanceof FileExistsError) io.stderr.write(`s3-annotate: ${err.path} already exists (pass --overwrite to replace it)\n`);
    else if (err instanceof SeriesInputError) io.stderr.write(`s3-annotate: ${err.message}\n`);
    else io.stderr.write(`s3-annotate propagate: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  } finally {
    await runner.close();
  }
}
