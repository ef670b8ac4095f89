// `s3-annotate segment --pacs URL --study UID [--push]`: pull a study's CT series, segment each, store the SEGs back.
import { join } from 'node:path';
import { PACS_OPTIONS_HELP, cacheFromFlags, clientFromFlags, defaultCacheRoot, describeFailure, segmentSeriesFromPacs, takeOptions, type PacsFlags } from '../pacs';
import { describePush } from '../../services/pacs/index';
import type { CommandIO } from './info';

export const PACS_SEGMENT_HELP = `usage: s3-annotate segment --pacs URL --study UID [--series UID] [--push] [--out DIR] [segment options]

Retrieves the study's CT series (or the one given) over DICOMweb, segments each with S3-Net as \`segment\` does
(the same options: --mode, --size, --max-iter, --warm-start, …), writes one DICOM SEG per series into --out (default
~/.cache/s3-annotate/seg) and, with --push, stores it on the server unless the server already has it. The SEG's UIDs
derive from the source series and the model configuration, so running twice stores one SEG.

${PACS_OPTIONS_HELP}`;

const VALUED = ['pacs', 'user', 'ca', 'cache', 'cache-max-mb', 'timeout', 'study', 'series', 'out'];

export async function run(args: string[], io: CommandIO): Promise<number> {
  if (args.includes('--help')) {
    io.stdout.write(PACS_SEGMENT_HELP);
    return 0;
  }
  const split = takeOptions(args, VALUED, ['push', 'overwrite']);
  const usage = (m: string) => (io.stderr.write(`s3-annotate segment: ${m}\n${PACS_SEGMENT_HELP}`), 2);
  if (typeof split === 'string') return usage(split);
  const v = split.taken as PacsFlags & { study?: string; series?: string; out?: string; push?: boolean; overwrite?: boolean };
  if (!v.study) return usage('--study UID is required with --pacs');
  if (split.rest.some((a) => a === '--format' || a.startsWith('--format='))) {
    const i = split.rest.findIndex((a) => a === '--format' || a.startsWith('--format='));
    const f = split.rest[i]!.includes('=') ? split.rest[i]!.split('=')[1] : split.rest[i + 1];
    if (f !== 'seg') return usage('with --pacs the output is a DICOM SEG (--format seg)');
  }
  const client = await clientFromFlags(v);
  if (typeof client === 'string') return usage(client);
  const cache = cacheFromFlags(v);
  if (typeof cache === 'string') return usage(cache);
  const out = v.out ?? join(defaultCacheRoot(), 'seg');
  const segmentArgs = split.rest.filter((a, i, all) => !(a === '--format' || a.startsWith('--format=') || (i > 0 && all[i - 1] === '--format')));
  let failures = 0;
  try {
    const series = v.series
      ? [{ seriesInstanceUID: v.series, modality: 'CT' }]
      : (await client.searchSeries({ studyInstanceUID: v.study })).filter((s) => s.modality === 'CT');
    if (series.length === 0) {
      io.stderr.write(`s3-annotate segment: study ${v.study} on ${client.server} has no CT series\n`);
      return 1;
    }
    for (const s of series) {
      try {
        const r = await segmentSeriesFromPacs(client, cache, v.study, s.seriesInstanceUID, segmentArgs, out, io, { push: !!v.push, overwrite: !!v.overwrite });
        if (r.outcome.status === 'kept') io.stderr.write(`s3-annotate: series ${s.seriesInstanceUID}: SEG written to ${r.outcome.path} (not sent: no --push)\n`);
        else {
          io.stderr.write(`s3-annotate: series ${s.seriesInstanceUID}: ${describePush(r.outcome)}${r.skipped ? ' (not segmented again)' : ''}\n`);
          if (r.outcome.status === 'refused') failures++;
        }
      } catch (err) {
        failures++;
        io.stderr.write(`s3-annotate: ${describeFailure(err)}\n`);
      }
    }
  } catch (err) {
    io.stderr.write(`s3-annotate: ${describeFailure(err)}\n`);
    return 1;
  }
  return failures ? 1 : 0;
}
