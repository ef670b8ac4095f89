// The s3-annotate command line: the same services and engine as the desktop app, without Electron.
import { describeBackends } from '../../model/backend';
import type { CommandIO } from './commands/info';

const HELP = `usage: s3-annotate <command> [options]

commands:
  segment <files|folders> --out DIR   S3-Net pre-segmentation of photographs and DICOM (see segment --help)
  interactive <image> --out DIR --json   prompted S3-Net: clicks, strokes, a box on stdin (see interactive --help)
  eval --pred DIR --truth DIR         Dice, IoU, HM, XOR against ground-truth masks
  info <paths> [--json]               studies, series, slice counts and skipped files
  export …                            convert masks between PNG, DICOM SEG and NIfTI (see export --help)
  interpolate <series> --masks DIR --out DIR   fill the slices between drawn masks (see interpolate --help)
  propagate <series> --mask PNG --slice DICOM --out DIR   carry one slice's mask through the series (see propagate --help)
  backends                            which TF.js backends and desktop shell are available here, and why not
  pacs search|pull|push --pacs URL    a DICOMweb server: find studies, retrieve series, store SEGs (see pacs --help)
  enqueue --queue URL --pacs URL      one pre-segmentation job per matching series on a Redis queue
  worker --queue URL --pacs URL       take jobs: pull, segment, store the SEG (any number, on any machines)
  queue status --queue URL            waiting, active, done, failed and per-worker throughput

  --version                           the version of s3-annotate
`;

type Command = (args: string[], io: CommandIO) => Promise<number>;
const COMMANDS: Record<string, () => Promise<Command>> = {
  segment: async () => (await import('./commands/segment')).run,
  interactive: async () => (await import('./commands/interactive')).run,
  eval: async () => (await import('./commands/eval')).run,
  info: async () => (await import('./commands/info')).run,
  export: async () => (await import('./commands/export')).run,
  interpolate: async () => (await import('./commands/interpolate')).run,
  propagate: async () => (await import('./commands/propagate')).run,
  backends: async () => backends,
  pacs: async () => (await import('./commands/pacs')).run,
  enqueue: async () => (await import('./commands/jobs')).enqueue,
  worker: async () => (await import('./commands/jobs')).worker,
  queue: async () => (await import('./commands/jobs')).queue,
};

async function backends(_args: string[], io: CommandIO): Promise<number> {
  const report = await describeBackends();
  io.stdout.write(`S3-Net backend: ${report.selected}\n`);
  for (const [name, a] of Object.entries(report.available)) io.stdout.write(`  ${name.padEnd(10)} ${a.ok ? 'yes' : 'no '}  ${a.detail}\n`);
  io.stdout.write(`WebGPU adapters: ${report.adapters.length ? '' : 'none seen'}\n`);
  for (const a of report.adapters) io.stdout.write(`  ${a.name}: ${a.reason}\n`);
  const { electronStatus } = await import('./shell');
  io.stdout.write(`desktop shell: ${await electronStatus()}\n`);
  return 0;
}

export async function main(argv: string[], io: CommandIO = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(HELP);
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-V' || name === 'version') {
    io.stdout.write(`s3-annotate ${await version()}\n`);
    return 0;
  }
  const load = COMMANDS[name];
  if (!load) {
    io.stderr.write(`s3-annotate: unknown command "${name}"\n${HELP}`);
    return 2;
  }
  // Which backend runs is said on `backends`, or with --verbose: not on every run.
  if (name === 'segment' && rest.includes('--verbose') && !rest.includes('--help')) {
    const report = await describeBackends();
    const off = Object.entries(report.available).filter(([, a]) => !a.ok).map(([n, a]) => `${n}: ${a.detail}`);
    const requested = requestedBackend(rest);
    const using = requested === 'auto' ? `${report.selected} (auto)` : `${requested} (requested; auto would pick ${report.selected})`;
    io.stderr.write(`s3-annotate: TF.js backend ${using}${off.length ? `; unavailable — ${off.join('; ')}` : ''}\n`);
  }
  return (await load())(rest, io);
}

async function version(): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
  return pkg.version ?? 'unknown';
}

/** The --backend value as given (`--backend cpu` or `--backend=cpu`); segment validates it. */
function requestedBackend(args: readonly string[]): string {
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === '--backend') return args[i + 1] ?? 'auto';
    if (a.startsWith('--backend=')) return a.slice('--backend='.length);
  }
  return 'auto';
}
