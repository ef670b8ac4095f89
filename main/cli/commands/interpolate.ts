// `s3-annotate interpolate <series folder> --masks DIR --out DIR`: fill the slices between the ones a person drew.
import { parseArgs } from 'node:util';
import { FileExistsError } from '../../services/fs/atomic';
import { interpolateFolder } from '../../services/series/interpolate-folder';
import { SeriesInputError } from '../../services/series/open';
import type { CommandIO } from './info';

export const INTERPOLATE_HELP = `usage: s3-annotate interpolate <series folder|files…> --masks DIR --out DIR [--overwrite] [--json]

Morphological contour interpolation: the masks a person drew on some slices (DIR/<DICOM file name without .dcm>.png,
0/255; <name>.mask.png is read where there is no <name>.png) fill every slice between the first and the last of them.
Writes <name>.mask.png for each of those slices: the drawn ones unchanged, the others as proposals with a confidence.

  --masks DIR    the drawn masks
  --out DIR      output folder (created if missing)
  --refine       refine each filled slice with seeded S3-Net (needs the seeded training of issue 9; not in this build)
  --overwrite    replace existing output files (never done otherwise)
  --json         one JSON object per slice written on stdout
`;

export async function run(args: string[], io: CommandIO): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: { masks: { type: 'string' }, out: { type: 'string' }, refine: { type: 'boolean' }, overwrite: { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean' } } });
  } catch (err) {
    io.stderr.write(`s3-annotate interpolate: ${(err as Error).message}\n${INTERPOLATE_HELP}`);
    return 2;
  }
  const v = parsed.values;
  if (v.help) {
    io.stdout.write(INTERPOLATE_HELP);
    return 0;
  }
  const problem = !v.masks ? '--masks DIR is required' : !v.out ? '--out DIR is required' : parsed.positionals.length === 0 ? 'no series folder given'
    : v.refine ? '--refine needs seeded S3-Net training, which this build does not have yet' : undefined;
  if (problem) {
    io.stderr.write(`s3-annotate interpolate: ${problem}\n${INTERPOLATE_HELP}`);
    return 2;
  }
  try {
    const { written, interpolated } = await interpolateFolder({
      series: parsed.positionals, masksDir: v.masks as string, outDir: v.out as string, overwrite: !!v.overwrite,
      onSlice: (r) => v.json && io.stdout.write(`${JSON.stringify(r)}\n`),
      onWarning: (path, reason) => io.stderr.write(`s3-annotate: ${path}: ${reason}\n`),
    });
    io.stderr.write(`s3-annotate: wrote ${written} mask(s), ${interpolated} interpolated, into ${v.out}\n`);
    return 0;
  } catch (err) {
    if (err instanceof FileExistsError) io.stderr.write(`s3-annotate: ${err.path} already exists (pass --overwrite to replace it)\n`);
    else if (err instanceof SeriesInputError) io.stderr.write(`s3-annotate: ${err.message}\n`);
    else io.stderr.write(`s3-annotate interpolate: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
