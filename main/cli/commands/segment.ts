// `s3-annotate segment <files|folders> --out DIR`: S3-Net pre-segmentation of photographs and DICOM series.
import { basename, dirname, extname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { createSegmentationRunner, type RunnerResult } from '../../../model/runner';
import { validateConfig, WARM_MIN_ITERATIONS, type S3NetConfig } from '../../../model/config';
import type { BackendChoice, RgbImage, TrainingMode } from '../../../model/types';
import { lesionTarget, lungTarget, resizeLabels, type NativeTarget } from '../../../model/postprocess';
import { readRgb, toUnitRgb, writeGreyPng } from '../../services/images/read';
import { indexPaths, loadSeries, segmentableSeries, writeSeriesMasks, lungWindowRgb, DicomError, type LoadedSeries, type LoadedSlice, type SeriesIndex } from '../../services/dicom/index';
import { PHOTO_WORKING_PIXELS } from '../../services/budget';
import { existsSync } from 'node:fs';
import { FileExistsError } from '../../services/fs/atomic';
import { expandInputs } from '../inputs';
import { targetTerm } from '../../services/masks/terminology';
import { progressDisplay } from '../progress';
import type { CommandIO } from './info';

export const SEGMENT_HELP = `usage: s3-annotate segment <files|folders…> --out DIR [options]

Trains S3-Net on each image (no labels) and writes, per input, <name>.mask.png (0/255, the input's size) and
<name>.labels.png (cluster ids). Photographs: PNG, JPEG, BMP, TIFF. DICOM: files or folders (series are found).

  --out DIR                    output folder (created if missing)
  --backend auto|webgpu|tensorflow|wasm|cpu   TF.js backend (default auto)
  --mode default|faithful      our default mode (same Dice, 0.70–0.93× the time), or the reference behaviour
  --target auto|lesion|lung    what to extract (auto: lungs for CT, lesion for photographs)
  --format png|seg|nifti       DICOM output: PNG per slice (default), one DICOM SEG or NIfTI per series
  --size N                     working resolution (default 256)
  --max-iter N                 at most N training iterations (default 50)
  --seed N                     random seed (default 1)
  --min-iter N                 train at least N iterations before the label-count stop (faithful 5, default 3)
  --min-labels N               stop once at most N clusters remain (default 3)
 Default-mode options, one at a time for ablations (faithful mode fixes them; docs/EVALUATION.md measures each):
  --consistency rot90|affine   the reference's term (default) or random-affine consistency on a transformed view
  --consistency-size N         side of the affine view (default size/2)
  --spatial labels|l1          the reference's constant spatial term (default) or a differentiable L1 term
  --offsets zero|uniform       deformable offsets start at zero (default) or U[0,1) as the reference
  --workers N                  images trained at once (default: up to 2, one per core)
  --warm-start                 CT series: each slice starts from its neighbour's trained weights (slices run in order)
  --warm-min-iter N            with --warm-start, iterations before the stop rule on warm slices (default 1)
  --overwrite                  replace existing output files (never done otherwise)
  --json                       one JSON object per input on stdout (SEG/NIfTI: each slice's record names the file
                               it went into, and one record per series follows its write)
  --verbose                    say which TF.js backend runs and which are unavailable
 Without --json, a line per finished item goes to stdout when it is not a terminal (a log, a pipe).
`;

interface SegmentFlags {
  out: string;
  config: Partial<S3NetConfig>;
  target: 'auto' | 'lesion' | 'lung';
  format: 'png' | 'seg' | 'nifti';
  workers: number | undefined;
  warmStart: boolean;
  warmMinIterations: number;
  overwrite: boolean;
  json: boolean;
  inputs: string[];
}

function parse(args: string[]): SegmentFlags | string {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        out: { type: 'string' }, backend: { type: 'string' }, mode: { type: 'string' }, target: { type: 'string' },
        format: { type: 'string' }, size: { type: 'string' }, 'max-iter': { type: 'string' }, seed: { type: 'string' },
        workers: { type: 'string' }, overwrite: { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean' }, verbose: { type: 'boolean' },
        'warm-start': { type: 'boolean' }, 'warm-min-iter': { type: 'string' }, 'min-iter': { type: 'string' }, 'min-labels': { type: 'string' }, consistency: { type: 'string' },
        'consistency-size': { type: 'string' }, spatial: { type: 'string' }, offsets: { type: 'string' },
      },
    });
  } catch (err) {
    return (err as Error).message;
  }
  const v = parsed.values;
  if (v.help) return 'help';
  if (!v.out) return '--out DIR is required';
  if (parsed.positionals.length === 0) return 'no input files or folders given';
  const num = (s: string | undefined) => (s === undefined ? undefined : Number(s));
  const target = (v.target ?? 'auto') as SegmentFlags['target'];
  const format = (v.format ?? 'png') as SegmentFlags['format'];
  if (!['auto', 'lesion', 'lung'].includes(target)) return `--target must be auto, lesion or lung, got ${target}`;
  if (!['png', 'seg', 'nifti'].includes(format)) return `--format must be png, seg or nifti, got ${format}`;
  const config: Partial<S3NetConfig> = {
    backend: (v.backend ?? 'auto') as BackendChoice,
    mode: (v.mode ?? 'default') as TrainingMode,
    ...(v.size !== undefined ? { size: num(v.size) as number } : {}),
    ...(v['max-iter'] !== undefined ? { maxIterations: num(v['max-iter']) as number } : {}),
    ...(v.seed !== undefined ? { seed: num(v.seed) as number } : {}),
    ...(v['min-iter'] !== undefined ? { minIterations: num(v['min-iter']) as number } : {}),
    ...(v['min-labels'] !== undefined ? { minLabels: num(v['min-labels']) as number } : {}),
    ...(v['consistency-size'] !== undefined ? { consistencySize: num(v['consistency-size']) as number } : {}),
    ...(v.consistency !== undefined ? { consistency: v.consistency as S3NetConfig['consistency'] } : {}),
    ...(v.spatial !== undefined ? { spatial: v.spatial as S3NetConfig['spatial'] } : {}),
    ...(v.offsets !== undefined ? { offsets: v.offsets as S3NetConfig['offsets'] } : {}),
  };
  try {
    validateConfig(config);
  } catch (err) {
    return (err as Error).message;
  }
  const workers = num(v.workers);
  if (workers !== undefined && (!Number.isInteger(workers) || workers < 1 || workers > 16)) return '--workers must be an integer in [1, 16]';
  const warmMinIterations = num(v['warm-min-iter']) ?? WARM_MIN_ITERATIONS;
  if (!Number.isInteger(warmMinIterations) || warmMinIterations < 0 || warmMinIterations > 1000) return '--warm-min-iter must be an integer in [0, 1000]';
  return {
    out: v.out, config, target, format, workers, warmStart: !!v['warm-start'], warmMinIterations,
    overwrite: !!v.overwrite, json: !!v.json, inputs: parsed.positionals,
  };
}

/** CT's input to the network: the lung window as grey RGB. */
function ctToRgb(slice: LoadedSlice): RgbImage {
  return { width: slice.width, height: slice.height, data: lungWindowRgb(slice.hu) };
}

/** For callers that segment on someone's behalf (PACS, job workers): what to name the SEG of a series. */
export interface SegmentHooks {
  /** The SEG's UIDs from the source series and the configuration that shaped the mask (see services/pacs/identity). */
  readonly segUids?: (sourceSeriesInstanceUID: string, modelConfiguration: Record<string, unknown>) => { seriesInstanceUID: string; sopInstanceUID: string };
}

/** Everything that shapes a mask, as one plain object (configuration defaults filled in). */
export function modelConfiguration(flags: Pick<SegmentFlags, 'config' | 'target' | 'warmStart' | 'warmMinIterations'>): Record<string, unknown> {
  const { backend: _backend, ...config } = validateConfig(flags.config);
  return { ...config, target: flags.target, warmStart: flags.warmStart, ...(flags.warmStart ? { warmMinIterations: flags.warmMinIterations } : {}) };
}

/** The model configuration segment options give (without inputs or --out), or a usage error. */
export function segmentConfiguration(args: readonly string[]): Record<string, unknown> | string {
  const flags = parse([...args, '--out', '.', '-']);
  if (flags === 'help') return 'help';
  return typeof flags === 'string' ? flags : modelConfiguration(flags);
}

export async function run(args: string[], io: CommandIO, hooks: SegmentHooks = {}): Promise<number> {
  if (args.includes('--pacs')) return (await import('./pacs-segment')).run(args, io);
  const flags = parse(args);
  if (flags === 'help') {
    io.stdout.write(SEGMENT_HELP);
    return 0;
  }
  if (typeof flags === 'string') {
    io.stderr.write(`s3-annotate segment: ${flags}\n${SEGMENT_HELP}`);
    return 2;
  }
  const { photos, dicom, errors } = await expandInputs(flags.inputs);
  if (flags.format !== 'png' && photos.length > 0) {
    // A DICOM SEG or NIfTI needs a DICOM series to reference; a photograph has none.
    io.stderr.write(`s3-annotate segment: --format ${flags.format} needs DICOM series, but ${photos[0]}${photos.length > 1 ? ` and ${photos.length - 1} more` : ''} ${photos.length > 1 ? 'are photographs' : 'is a photograph'}: photographs are written as PNG (leave out --format, or segment them separately)\n`);
    return 2;
  }
  let failures = errors.length;
  for (const e of errors) io.stderr.write(`s3-annotate: ${e.path}: ${e.reason}\n`);
  // Series are indexed (headers only) up front and decoded one at a time, just before they train: a folder of many
  // series never has to fit in memory at once.
  const found = dicom.length ? segmentableSeries(await indexPaths(dicom)) : { series: [] as SeriesIndex[], skipped: [] };
  for (const s of found.skipped) {
    io.stderr.write(`s3-annotate: ${s.path}: ${s.reason}\n`);
    failures++;
  }
  const sliceCount = found.series.reduce((a, s) => a + s.slices.length, 0);
  const total = photos.length + sliceCount;
  if (total === 0) {
    io.stderr.write('s3-annotate segment: nothing to segment\n');
    return 1;
  }
  const outputNames = sliceStems(found.series);
  const photoNames = photoOutputNames(photos, new Set(outputNames.values()));
  const runner = createSegmentationRunner(flags.workers ? { workers: flags.workers } : {});
  const stderr = process.stderr;
  const progress = progressDisplay(stderr, total);
  // Where nobody watches a progress bar (a log, a pipe), say each item as it finishes.
  const lineEach = !flags.json && !(io.stdout as NodeJS.WriteStream).isTTY;
  let finished = 0;
  const report = (line: { input: string; mask?: string; output?: string; iterations?: number; seconds?: number; series?: string; files?: string[] }) => {
    if (flags.json) io.stdout.write(`${JSON.stringify(line)}\n`);
    else if (lineEach) {
      if (line.series) io.stdout.write(`wrote ${line.files?.join(', ')} (series ${line.series})\n`);
      else io.stdout.write(`${++finished}/${total} ${line.input} → ${line.mask ?? line.output ?? ''} (${line.iterations} iterations, ${line.seconds} s)\n`);
    }
  };
  const train = (name: string, image: RgbImage, warm?: { from?: Map<string, Float32Array> }) =>
    runner
      .segment(image, warm?.from ? { ...flags.config, minIterations: flags.warmMinIterations } : flags.config, {
        onProgress: (p) => progress.update(name, p),
        ...(warm ? { keepWeights: true } : {}),
        ...(warm?.from ? { warmStart: warm.from } : {}),
      })
      .finally(() => progress.done(name));

  const writeOutputs = async (stem: string, result: RunnerResult, target: NativeTarget, width: number, height: number) => {
    const maskPath = join(flags.out, `${stem}.mask.png`);
    const labelsPath = join(flags.out, `${stem}.labels.png`);
    await writeGreyPng(maskPath, target.mask.map((v) => (v ? 255 : 0)), width, height, flags.overwrite);
    await writeGreyPng(labelsPath, resizeLabels(result.labels, result.size, result.size, width, height), width, height, flags.overwrite);
    return { maskPath, labelsPath };
  };
  const describe = (input: string, r: RunnerResult, t: NativeTarget, extra: object) => ({
    input, backend: r.backend, mode: r.mode, iterations: r.iterations, seconds: Number(r.seconds.toFixed(3)),
    clusters: r.clusters, targetCluster: t.cluster, confidence: Number(t.confidence.toFixed(3)), stoppedBy: r.stoppedBy,
    ...(r.fallback ? { fallback: r.fallback } : {}), ...extra,
  });

  const photoJob = async (path: string): Promise<void> => {
    const name = photoNames.get(path) as string;
    try {
      // Refuse before minutes of training, not after: outputs are never replaced without --overwrite.
      if (!flags.overwrite) {
        for (const suffix of ['.mask.png', '.labels.png']) {
          const target = join(flags.out, `${name}${suffix}`);
          if (existsSync(target)) throw new FileExistsError(target);
        }
      }
      // Above the working size a photo is downscaled by sharp while decoding: no full-size float copy ever exists.
      const decoded = await readRgb(path, { maxPixels: PHOTO_WORKING_PIXELS });
      const image = { width: decoded.width, height: decoded.height, data: toUnitRgb(decoded) };
      const result = await train(name, image);
      const target = flags.target === 'lung'
        ? // A grey photograph of a CT slice: undo the lung window (1500/−600) to approximate HU.
          lungTarget(result.labels, result.size, lumaOf(image).map((g) => g * 1500 - 1350), image.width, image.height)
        : lesionTarget(result.labels, result.size, image);
      // Outputs have the input's own size: the working-size mask is scaled back up (nearest neighbour).
      const { sourceWidth: width, sourceHeight: height } = decoded;
      const full = width === image.width && height === image.height ? target : { ...target, mask: resizeNearest(target.mask, image.width, image.height, width, height) };
      const out = await writeOutputs(name, result, full, width, height);
      report(describe(path, result, target, { mask: out.maskPath, labels: out.labelsPath, width, height, ...(full === target ? {} : { workingWidth: image.width, workingHeight: image.height }) }));
    } catch (err) {
      failures++;
      // Service errors already name the file; the others get its name here.
      const message = describeError(err);
      io.stderr.write(`s3-annotate: ${message.startsWith(`${path}: `) ? message : `${path}: ${message}`}\n`);
    }
  };

  // At most a few inputs decoded at once: a 4288×2848 photograph is 146 MB as floats.
  const inFlight = Math.max(2, (flags.workers ?? 2) + 1);

  const seriesJob = async (index: SeriesIndex): Promise<void> => {
    const masks: Uint8Array[] = new Array<Uint8Array>(index.slices.length);
    const nameOf = (slice: { sourcePath: string; frameIndex: number }) => outputNames.get(`${slice.sourcePath}#${slice.frameIndex}`) as string;
    if (flags.format === 'png' && !flags.overwrite) {
      // Refuse before minutes of training (and before decoding), as for photographs.
      for (const slice of index.slices.map((s) => ({ sourcePath: s.path, frameIndex: s.frameIndex }))) {
        for (const suffix of ['.mask.png', '.labels.png']) {
          const target = join(flags.out, `${nameOf(slice)}${suffix}`);
          if (existsSync(target)) throw new FileExistsError(target);
        }
      }
    }
    const series = await loadSeries(index);
    // Warm start: the weights of the slice before, handed along the chain (slices then run one after another).
    let previous: Map<string, Float32Array> | undefined;
    const pending: Array<ReturnType<typeof describe>> = [];
    const sliceJob = async (slice: LoadedSlice, k: number): Promise<void> => {
      const name = nameOf(slice);
      const warmFrom = previous;
      const result = await train(name, ctToRgb(slice), flags.warmStart ? (warmFrom ? { from: warmFrom } : {}) : undefined);
      if (flags.warmStart) previous = result.weights;
      const warm = { warmStarted: !!warmFrom };
      const target = flags.target === 'lesion'
        ? lesionTarget(result.labels, result.size, greyImage(normalise(slice.hu), slice.width, slice.height))
        : lungTarget(result.labels, result.size, slice.hu, slice.width, slice.height);
      if (flags.format === 'png') {
        const out = await writeOutputs(name, result, target, slice.width, slice.height);
        report(describe(slice.sourcePath, result, target, { mask: out.maskPath, labels: out.labelsPath, width: slice.width, height: slice.height, ...warm }));
      } else {
        masks[k] = target.mask;
        // Said once the series file is written, so the record can name it.
        pending.push(describe(slice.sourcePath, result, target, { width: slice.width, height: slice.height, ...warm }));
      }
    };
    // Slices are independent here (no warm start), so they fill both workers; a PNG slice that fails does not stop
    // the others, while SEG and NIfTI need every slice and fail as a series.
    await runPool(series.slices.map((slice, k) => async () => {
      if (flags.format !== 'png') return sliceJob(slice, k);
      try {
        await sliceJob(slice, k);
      } catch (err) {
        failures++;
        io.stderr.write(`s3-annotate: ${slice.sourcePath}: ${describeError(err)}\n`);
      }
    }), flags.warmStart ? 1 : inFlight);
    if (flags.format !== 'png') {
      const named = targetSegment(flags.target);
      const segUids = flags.format === 'seg' ? hooks.segUids?.(series.index.seriesInstanceUID, modelConfiguration(flags)) : undefined;
      const written = await writeSeriesMasks(series, masks, flags.format, flags.out, { overwrite: flags.overwrite, segment: named, ...(segUids ? { segUids } : {}) });
      for (const rec of pending) report({ ...rec, output: written[0] as string, format: flags.format } as typeof rec & { output: string });
      report({ input: dirname(series.slices[0]?.sourcePath ?? ''), series: series.index.seriesInstanceUID, format: flags.format, files: written, slices: series.slices.length } as { input: string; series: string; files: string[] });
    }
  };

  try {
    // Photos and series run concurrently; the runner's workers bound how many train at once.
    // Series run one after another (decode, train, write, then the next), alongside the photographs.
    const seriesJobs = found.series.map((s) => async () => {
      try {
        await seriesJob(s);
      } catch (err) {
        failures++;
        if (err instanceof DicomError) io.stderr.write(`s3-annotate: ${err.path}: series ${s.seriesInstanceUID}: ${err.reason}\n`);
        else io.stderr.write(`s3-annotate: series ${s.seriesInstanceUID}: ${describeError(err)}\n`);
      }
    });
    await Promise.all([runPool(photos.map((p) => () => photoJob(p)), inFlight), runPool(seriesJobs, 1)]);
  } finally {
    await runner.close();
  }
  return failures > 0 ? 1 : 0;
}

/**
 * Output stems per slice: the file name (plus the frame for multi-frame files); where two slices of this run would
 * share one (series folders that each hold 000001.dcm), the parent folder's name and then the series number are
 * prefixed, so no slice's mask replaces another's.
 */
export function sliceOutputNames(series: readonly LoadedSeries[]): Map<LoadedSlice, string> {
  const stems = outputStems(series.map((s) => s.slices));
  return new Map(series.flatMap((s) => s.slices.map((slice) => [slice, stems.get(`${slice.sourcePath}#${slice.frameIndex}`) as string])));
}

/** The same stems from the index alone (before any pixel is decoded), keyed by `path#frame`. */
function sliceStems(series: readonly SeriesIndex[]): Map<string, string> {
  return outputStems(series.map((s) => s.slices.map((r) => ({ sourcePath: r.path, frameIndex: r.frameIndex }))));
}

function outputStems(series: readonly (readonly { sourcePath: string; frameIndex: number }[])[]): Map<string, string> {
  const plain = (slice: { sourcePath: string; frameIndex: number }) => basename(slice.sourcePath, extname(slice.sourcePath)) + (slice.frameIndex > 0 ? `.frame${slice.frameIndex}` : '');
  const all = series.flatMap((s, k) => s.map((slice) => ({ slice, k })));
  const count = (names: string[]) => names.reduce((m, n) => m.set(n, (m.get(n) ?? 0) + 1), new Map<string, number>());
  const first = all.map(({ slice }) => plain(slice));
  const firstCount = count(first);
  const second = all.map(({ slice }, i) => ((firstCount.get(first[i] as string) as number) > 1 ? `${basename(dirname(slice.sourcePath))}_${first[i]}` : (first[i] as string)));
  const secondCount = count(second);
  return new Map(all.map(({ slice, k }, i) => [`${slice.sourcePath}#${slice.frameIndex}`, safeStem((secondCount.get(second[i] as string) as number) > 1 ? `series${k + 1}_${second[i]}` : (second[i] as string))]));
}

/** Nearest-neighbour resize of a mask (working size → the input's size). */
function resizeNearest(mask: Uint8Array, w: number, h: number, W: number, H: number): Uint8Array {
  const out = new Uint8Array(W * H);
  const col = new Int32Array(W);
  for (let x = 0; x < W; x++) col[x] = Math.min(w - 1, Math.floor(((x + 0.5) * w) / W));
  for (let y = 0; y < H; y++) {
    const row = Math.min(h - 1, Math.floor(((y + 0.5) * h) / H)) * w;
    for (let x = 0; x < W; x++) out[y * W + x] = mask[row + (col[x] as number)] as number;
  }
  return out;
}

/**
 * Output stems for photographs, kept apart as slices are: the file name; where two inputs (or a slice) would share
 * it, the parent folder's name is prefixed, then a running number, so no photo's mask replaces another's.
 */
export function photoOutputNames(paths: readonly string[], taken: ReadonlySet<string> = new Set()): Map<string, string> {
  const plain = paths.map((p) => safeStem(basename(p, extname(p))));
  const count = new Map<string, number>();
  for (const n of [...plain, ...taken]) count.set(n, (count.get(n) ?? 0) + 1);
  const used = new Set(taken);
  const out = new Map<string, string>();
  paths.forEach((p, i) => {
    let name = plain[i] as string;
    if ((count.get(name) ?? 0) > 1) name = safeStem(`${basename(dirname(p))}_${name}`);
    const base = name;
    for (let k = 2; used.has(name); k++) name = `${base}_${k}`;
    used.add(name);
    out.set(p, name);
  });
  return out;
}

/** No output name may start with "-" (a later command would read it as an option) or be empty. */
function safeStem(stem: string): string {
  const s = stem.replace(/^-+/, (m) => '_'.repeat(m.length));
  return s || '_';
}

/** The SEG/NIfTI segment for what was extracted from a series: the lungs unless --target lesion (as seriesJob does). */
function targetSegment(target: SegmentFlags['target']) {
  const { term, name } = targetTerm(target === 'lesion' ? 'lesion' : 'lung');
  return { name, category: term.category, type: term.type, color: term.color };
}

/** Runs tasks with at most limit in flight, started in order. */
async function runPool(tasks: readonly (() => Promise<void>)[], limit: number): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, async () => {
    while (next < tasks.length) await (tasks[next++] as () => Promise<void>)();
  }));
}

function lumaOf(image: RgbImage): Float32Array {
  const out = new Float32Array(image.width * image.height);
  for (let i = 0; i < out.length; i++) out[i] = 0.299 * (image.data[i * 3] as number) + 0.587 * (image.data[i * 3 + 1] as number) + 0.114 * (image.data[i * 3 + 2] as number);
  return out;
}

function greyImage(values: Float32Array, width: number, height: number): RgbImage {
  const data = new Float32Array(width * height * 3);
  values.forEach((v, i) => (data[i * 3] = data[i * 3 + 1] = data[i * 3 + 2] = v));
  return { width, height, data };
}

function normalise(hu: Float32Array): Float32Array {
  let lo = Infinity, hi = -Infinity;
  for (const v of hu) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  const out = new Float32Array(hu.length);
  for (let i = 0; i < out.length; i++) out[i] = ((hu[i] as number) - lo) / Math.max(1e-6, hi - lo);
  return out;
}

/** Errors as the command line words them (the shared FileExistsError speaks of an option, here it is a flag). */
function describeError(err: unknown): string {
  if (err instanceof FileExistsError) return `${err.path} already exists (pass --overwrite to replace it)`;
  return err instanceof Error ? err.message : String(err);
}
