// `s3-annotate pacs search|pull|push`: the DICOMweb client from the command line.
import { copyFile, mkdir, rename } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { describePush, pushSeg, type DicomWebClient } from '../../services/pacs/index';
import { PACS_OPTIONS, PACS_OPTIONS_HELP, cacheFromFlags, clientFromFlags, describeFailure, type PacsFlags } from '../pacs';
import type { CommandIO } from './info';

export const PACS_HELP = `usage: s3-annotate pacs <search|pull|push> --pacs URL [options]

  pacs search [--patient ID] [--name NAME] [--modality CT] [--since DATE] [--until DATE] [--accession A] [--series] [--json]
      studies (patient, date, modalities, description, series count), or with --series one line per series
  pacs pull --study UID [--series UID] [--out DIR] [--overwrite]
      retrieves the study's series (or one) into the cache (unchanged instances are not downloaded again) and, with
      --out, copies them to DIR/<SeriesInstanceUID>/
  pacs push <SEG files…>
      stores each SEG unless the server already has it; says stored, already present, or refused with the reason

${PACS_OPTIONS_HELP}`;

export async function run(args: string[], io: CommandIO): Promise<number> {
  const [verb, ...rest] = args;
  if (!verb || verb === '--help' || rest.includes('--help')) {
    io.stdout.write(PACS_HELP);
    return verb ? 0 : 2;
  }
  const usage = (m: string) => (io.stderr.write(`s3-annotate pacs ${verb}: ${m}\n${PACS_HELP}`), 2);
  let parsed;
  try {
    parsed = parseArgs({
      args: rest, allowPositionals: verb === 'push',
      options: {
        ...PACS_OPTIONS, patient: { type: 'string' }, name: { type: 'string' }, modality: { type: 'string' }, since: { type: 'string' },
        until: { type: 'string' }, accession: { type: 'string' }, series: { type: verb === 'search' ? 'boolean' : 'string' }, json: { type: 'boolean' },
        study: { type: 'string' }, out: { type: 'string' }, overwrite: { type: 'boolean' }, limit: { type: 'string' },
      },
    });
  } catch (err) {
    return usage((err as Error).message);
  }
  const v = parsed.values;
  const client = await clientFromFlags(v as PacsFlags);
  if (typeof client === 'string') return usage(client);
  try {
    if (verb === 'search') return await search(client, v as SearchFlags, io);
    if (verb === 'pull') {
      if (!v.study) return usage('--study UID is required');
      return await pull(client, v as PacsFlags & { study: string; series?: string; out?: string; overwrite?: boolean }, io);
    }
    if (verb === 'push') {
      if (parsed.positionals.length === 0) return usage('no SEG files given');
      let failures = 0;
      for (const path of parsed.positionals) {
        try {
          const o = await pushSeg(client, path);
          if (o.status === 'refused') failures++;
          io.stdout.write(v.json ? `${JSON.stringify(o)}\n` : `${path}: ${describePush(o)}\n`);
        } catch (err) {
          failures++;
          io.stderr.write(`s3-annotate: ${path}: ${describeFailure(err)}\n`);
        }
      }
      return failures ? 1 : 0;
    }
  } catch (err) {
    io.stderr.write(`s3-annotate: ${describeFailure(err)}\n`);
    return 1;
  }
  return usage(`unknown verb "${verb}" (search, pull or push)`);
}

interface SearchFlags {
  patient?: string; name?: string; modality?: string; since?: string; until?: string; accession?: string; series?: boolean; json?: boolean; limit?: string;
}

async function search(client: DicomWebClient, v: SearchFlags, io: CommandIO): Promise<number> {
  const q = {
    ...(v.patient ? { patientId: v.patient } : {}), ...(v.name ? { patientName: v.name } : {}), ...(v.modality ? { modality: v.modality } : {}),
    ...(v.since ? { since: v.since } : {}), ...(v.until ? { until: v.until } : {}), ...(v.accession ? { accessionNumber: v.accession } : {}),
    ...(v.limit ? { limit: Number(v.limit) } : {}),
  };
  const rows: Record<string, unknown>[] = v.series ? await client.searchSeries(q) as unknown as Record<string, unknown>[] : await client.searchStudies(q) as unknown as Record<string, unknown>[];
  if (v.json) {
    for (const r of rows) io.stdout.write(`${JSON.stringify(r)}\n`);
    return 0;
  }
  const cols = v.series
    ? ['patientId', 'studyDate', 'modality', 'seriesNumber', 'instanceCount', 'description', 'seriesInstanceUID']
    : ['patientId', 'patientName', 'studyDate', 'modalities', 'seriesCount', 'description', 'studyInstanceUID'];
  const cell = (r: Record<string, unknown>, c: string) => (Array.isArray(r[c]) ? (r[c] as string[]).join('\\') : String(r[c] ?? ''));
  const widths = cols.map((c) => Math.min(40, Math.max(c.length, ...rows.map((r) => cell(r, c).length))));
  io.stdout.write(`${cols.map((c, i) => c.padEnd(widths[i]!)).join('  ')}\n`);
  for (const r of rows) io.stdout.write(`${cols.map((c, i) => cell(r, c).padEnd(widths[i]!)).join('  ')}\n`);
  io.stderr.write(`${rows.length} ${v.series ? 'series' : rows.length === 1 ? 'study' : 'studies'} on ${client.server}\n`);
  return 0;
}

async function pull(client: DicomWebClient, v: PacsFlags & { study: string; series?: string; out?: string; overwrite?: boolean }, io: CommandIO): Promise<number> {
  const cache = cacheFromFlags(v);
  if (typeof cache === 'string') throw new Error(cache);
  const series = v.series ? [v.series] : (await client.searchSeries({ studyInstanceUID: v.study })).map((s) => s.seriesInstanceUID);
  if (series.length === 0) throw new Error(`study ${v.study} has no series on ${client.server}`);
  let failures = 0;
  for (const uid of series) {
    try {
      const r = await cache.retrieveSeries(client, v.study, uid, {
        onProgress: (p) => io.stderr.write(`\rseries ${uid}: ${p.done}/${p.total} instances (${p.fromCache} cached, ${(p.bytes / 1e6).toFixed(1)} MB)`),
      });
      io.stderr.write('\n');
      let dir = join(cache.root, uid);
      if (v.out) {
        dir = join(v.out, uid);
        await mkdir(dir, { recursive: true });
        for (const f of r.files) {
          const target = join(dir, basename(f).replace(/\.[0-9a-f]{16}\.dcm$/, '.dcm'));
          if (existsSync(target) && !v.overwrite) throw new Error(`${target} already exists (pass --overwrite to replace it)`);
          await copyFile(f, `${target}.part`);
          await rename(`${target}.part`, target);
        }
      }
      io.stdout.write(`${JSON.stringify({ series: uid, folder: dir, instances: r.files.length, downloaded: r.downloaded, fromCache: r.fromCache, bytes: r.bytes })}\n`);
    } catch (err) {
      failures++;
      io.stderr.write(`\ns3-annotate: ${describeFailure(err)}\n`);
    }
  }
  return failures ? 1 : 0;
}
