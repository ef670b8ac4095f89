// `s3-annotate export <mask> --series <dicom…> --format png|seg|nifti --out <dir> [--overwrite]`: converts masks.
import { indexPaths } from '../../services/dicom/index.js';
import { readMaskFile, writeSeriesMasks, type MaskFormat } from '../../services/masks/index.js';
import { FileExistsError } from '../../services/fs/atomic.js';
import type { CommandIO } from './info.js';

const USAGE = `usage: s3-annotate export <mask: SEG .dcm | .nii/.nii.gz | folder of <slice>.mask.png> --series <DICOM files or folders…>
                          --format png|seg|nifti --out <folder> [--overwrite] [--series-uid <uid>]
`;

interface ExportArgs {
  readonly mask: string;
  readonly series: string[];
  readonly format: MaskFormat;
  readonly out: string;
  readonly overwrite: boolean;
  readonly seriesUid: string | undefined;
}

export function parseExportArgs(args: readonly string[]): ExportArgs | string {
  let mask: string | undefined;
  const series: string[] = [];
  let format: string | undefined;
  let out: string | undefined;
  let overwrite = false;
  let seriesUid: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--overwrite') overwrite = true;
    else if (a === '--format') format = args[++i];
    else if (a === '--out') out = args[++i];
    else if (a === '--series-uid') seriesUid = args[++i];
    else if (a === '--series') {
      while (i + 1 < args.length && !args[i + 1]!.startsWith('--')) series.push(args[++i]!);
    } else if (a.startsWith('--')) return `unknown option ${a}`;
    else if (mask === undefined) mask = a;
    else return `unexpected argument ${a}`;
  }
  if (!mask) return 'missing the mask to convert';
  if (series.length === 0) return 'missing --series (the DICOM series the mask belongs to)';
  if (format !== 'png' && format !== 'seg' && format !== 'nifti') return '--format must be png, seg or nifti';
  if (!out) return 'missing --out';
  return { mask, series, format, out, overwrite, seriesUid };
}

export async function run(args: string[], io: CommandIO): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout.write(USAGE);
    return 0;
  }
  const parsed = parseExportArgs(args);
  if (typeof parsed === 'string') {
    io.stderr.write(`${parsed}\n${USAGE}`);
    return 2;
  }
  const index = await indexPaths(parsed.series);
  const candidates = index.series.filter((s) => s.modality !== 'SEG' && (!parsed.seriesUid || s.seriesInstanceUID === parsed.seriesUid));
  if (candidates.length !== 1) {
    io.stderr.write(
      candidates.length === 0
        ? `no image series found in ${parsed.series.join(', ')}\n`
        : `${candidates.length} series found; choose one with --series-uid (${candidates.map((s) => s.seriesInstanceUID).join(', ')})\n`,
    );
    return 1;
  }
  const series = candidates[0]!;
  try {
    const volume = await readMaskFile(parsed.mask, series);
    const written = await writeSeriesMasks(series, volume, parsed.format, parsed.out, { overwrite: parsed.overwrite });
    for (const p of written) io.stdout.write(`${p}\n`);
    return 0;
  } catch (err) {
    if (err instanceof FileExistsError) io.stderr.write(`${err.message}\n`);
    else io.stderr.write(`export failed: ${(err as Error).message}\n`);
    return 1;
  }
}
