// What the PACS commands share: server and auth options, the cache, and "pull a series, segment it, store the SEG".
import { homedir } from 'node:os';
import { join } from 'node:path';
import { DicomWebClient, SeriesCache, pushSeg, segIdentity, PacsError, type PacsAuth, type PushOutcome } from '../services/pacs/index';
import { indexPaths } from '../services/dicom/index';
import { run as segment, segmentConfiguration } from './commands/segment';
import type { CommandIO } from './commands/info';

export const PACS_OPTIONS = {
  pacs: { type: 'string' }, user: { type: 'string' }, ca: { type: 'string' }, cache: { type: 'string' },
  'cache-max-mb': { type: 'string' }, timeout: { type: 'string' },
} as const;

export const PACS_OPTIONS_HELP = `  --pacs URL                   DICOMweb root, e.g. http://127.0.0.1:8042/dicom-web
  --user NAME                  HTTP basic auth; the password is read from S3A_PACS_PASSWORD (never from the command line)
                               (a bearer token is read from S3A_PACS_TOKEN when set)
  --ca FILE                    PEM certificates to trust for https (TLS is always verified)
  --cache DIR                  retrieve cache (default ~/.cache/s3-annotate/pacs), --cache-max-mb N (default 2048)
  --timeout S                  seconds without an answer before a request fails (default 30)
`;

export interface PacsFlags {
  pacs?: string | undefined;
  user?: string | undefined;
  ca?: string | undefined;
  cache?: string | undefined;
  'cache-max-mb'?: string | undefined;
  timeout?: string | undefined;
}

export function defaultCacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 's3-annotate');
}

/** A client from the command line's options and the environment; a string is a usage error. */
export async function clientFromFlags(v: PacsFlags, env: NodeJS.ProcessEnv = process.env): Promise<DicomWebClient | string> {
  if (!v.pacs) return '--pacs URL is required';
  let auth: PacsAuth = { kind: 'none' };
  if (v.user) {
    const password = env.S3A_PACS_PASSWORD;
    if (password === undefined) return `--user ${v.user} needs the password in the environment variable S3A_PACS_PASSWORD`;
    auth = { kind: 'basic', user: v.user, password };
  } else if (env.S3A_PACS_TOKEN) auth = { kind: 'bearer', token: env.S3A_PACS_TOKEN };
  const timeout = v.timeout === undefined ? 30 : Number(v.timeout);
  if (!(timeout > 0 && timeout <= 3600)) return '--timeout must be a number of seconds in (0, 3600]';
  try {
    return await DicomWebClient.open({ url: v.pacs, auth, timeoutMs: timeout * 1000, ...(v.ca ? { caFile: v.ca } : {}) });
  } catch (err) {
    return (err as Error).message;
  }
}

export function cacheFromFlags(v: PacsFlags, env: NodeJS.ProcessEnv = process.env): SeriesCache | string {
  const mb = v['cache-max-mb'] === undefined ? 2048 : Number(v['cache-max-mb']);
  if (!(mb >= 1)) return '--cache-max-mb must be a number ≥ 1';
  return new SeriesCache({ root: v.cache ?? join(defaultCacheRoot(env), 'pacs'), maxBytes: mb * 1024 * 1024 });
}

/** A series that cannot be segmented whatever we retry: not CT, no geometry. */
export class UnusableSeriesError extends Error {
  constructor(readonly series: string, reason: string) {
    super(`series ${series}: ${reason}`);
    this.name = 'UnusableSeriesError';
  }
}

export interface SeriesSegmentResult {
  readonly outcome: PushOutcome | { status: 'kept'; path: string };
  readonly segSopInstanceUID: string;
  /** True when the archive already had this SEG, so nothing was segmented. */
  readonly skipped: boolean;
}

/**
 * Pulls one series, segments it with the segment command (its options in segmentArgs) into one SEG whose UIDs
 * derive from the series and the configuration, and stores it unless the archive has it already (checked before
 * segmenting and again before storing).
 */
export async function segmentSeriesFromPacs(
  client: DicomWebClient, cache: SeriesCache, study: string, series: string, segmentArgs: readonly string[], out: string, io: CommandIO,
  options: { push: boolean; overwrite: boolean; signal?: AbortSignal },
): Promise<SeriesSegmentResult> {
  const config = segmentConfiguration(segmentArgs);
  if (typeof config === 'string') throw new Error(config);
  const uids = segIdentity(series, config);
  if (options.push && (await client.hasInstance(study, uids.seriesInstanceUID, uids.sopInstanceUID))) {
    return { outcome: { status: 'already-present', sopInstanceUID: uids.sopInstanceUID, path: '', server: client.server }, segSopInstanceUID: uids.sopInstanceUID, skipped: true };
  }
  const [summary] = await client.searchSeries({ studyInstanceUID: study }).then((all) => all.filter((s) => s.seriesInstanceUID === series));
  if (!summary) throw new PacsError('partial', client.server, 'the series is not in the archive (any more)', series);
  if (summary.modality !== 'CT') throw new UnusableSeriesError(series, `modality ${summary.modality || 'missing'}, not CT: S3-Net's lung pre-segmentation is for CT`);
  const pulled = await cache.retrieveSeries(client, study, series, options.signal ? { signal: options.signal } : {});
  const index = await indexPaths(pulled.files);
  const s = index.series.find((x) => x.seriesInstanceUID === series);
  if (!s || index.skipped.length) {
    throw new UnusableSeriesError(series, `retrieved files are not one readable series${index.skipped[0] ? ` (${index.skipped[0].path}: ${index.skipped[0].reason})` : ''}`);
  }
  if (!s.slices[0]?.geometry.orientation || s.slices.some((x) => !x.geometry.position)) {
    throw new UnusableSeriesError(series, 'no usable geometry (ImagePositionPatient / ImageOrientationPatient missing)');
  }
  let err = '';
  const capture: CommandIO = { stdout: io.stdout, stderr: { write: (t: string) => ((err += t), io.stderr.write(t)) } };
  const args = [...pulled.files, ...segmentArgs, '--out', out, '--format', 'seg', ...(options.overwrite ? ['--overwrite'] : [])];
  const code = await segment(args, capture, { segUids: (source) => (source === series ? uids : segIdentity(source, config)) });
  const path = join(out, `${series}.seg.dcm`);
  if (code !== 0) {
    const reason = err.split('\n').filter((l) => l && !/^s3-annotate: wrote /.test(l)).at(-1) ?? `segment exited with ${code}`;
    throw new Error(`segmenting series ${series} failed: ${reason.replace(/^s3-annotate:\s*/, '')}`);
  }
  if (!options.push) return { outcome: { status: 'kept', path }, segSopInstanceUID: uids.sopInstanceUID, skipped: false };
  return { outcome: await pushSeg(client, path), segSopInstanceUID: uids.sopInstanceUID, skipped: false };
}

/** Splits the named options (--name value, --name=value, boolean --flag) off args; the rest stays in order. */
export function takeOptions(args: readonly string[], valued: readonly string[], booleans: readonly string[]): { taken: Record<string, string | boolean>; rest: string[] } | string {
  const taken: Record<string, string | boolean> = {};
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    const eq = a.indexOf('=');
    const name = a.startsWith('--') ? a.slice(2, eq > 0 ? eq : undefined) : '';
    if (valued.includes(name)) {
      const value = eq > 0 ? a.slice(eq + 1) : args[++i];
      if (value === undefined || (eq < 0 && value.startsWith('--'))) return `--${name} needs a value`;
      taken[name] = value;
    } else if (booleans.includes(name) && eq < 0) taken[name] = true;
    else rest.push(a);
  }
  return { taken, rest };
}

export function describeFailure(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
