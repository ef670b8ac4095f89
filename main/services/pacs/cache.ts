// SeriesCache: retrieved instances on disk, keyed by SOP Instance UID + a digest of the server's metadata, size-bounded.
import { createHash } from 'node:crypto';
import { mkdir, readdir, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../fs/atomic.js';
import { parseDicomBytes } from '../dicom/parse.js';
import { str } from '../dicom/metadata.js';
import type { DicomWebClient } from './client.js';
import { PacsError } from './errors.js';
import { text, type DicomJson } from './qido.js';

export interface RetrieveProgress {
  readonly series: string;
  readonly done: number;
  readonly total: number;
  readonly fromCache: number;
  readonly bytes: number;
}

export interface RetrievedSeries {
  readonly studyInstanceUID: string;
  readonly seriesInstanceUID: string;
  /** The cached files, one per instance the server listed. */
  readonly files: string[];
  readonly downloaded: number;
  readonly fromCache: number;
  readonly bytes: number;
}

export interface CacheOptions {
  readonly root: string;
  /** Least recently used series beyond this many bytes are removed after a retrieve (default 2 GiB). */
  readonly maxBytes?: number;
}

const UID = /^[0-9.]{1,64}$/;

/**
 * What identifies an instance's content without downloading it: its metadata as the server describes it, bulk
 * data links left out (they name the server, not the content). A changed object gets a new digest, so it is fetched
 * again; an unchanged one never is.
 */
export function metadataDigest(ds: DicomJson): string {
  const canonical = Object.keys(ds).map((k) => k.toUpperCase()).sort().map((k) => {
    const a = (ds[k] ?? ds[k.toLowerCase()]) as Record<string, unknown>;
    const { BulkDataURI: _b, ...rest } = a;
    return [k, rest];
  });
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex').slice(0, 16);
}

export class SeriesCache {
  readonly root: string;
  readonly maxBytes: number;

  constructor(options: CacheOptions) {
    this.root = options.root;
    this.maxBytes = options.maxBytes ?? 2 * 1024 ** 3;
  }

  private seriesDir(series: string): string {
    if (!UID.test(series)) throw new Error(`not a DICOM UID: ${series}`);
    return join(this.root, series);
  }

  /**
   * Retrieves a whole series into the cache: what is cached and unchanged is not downloaded again, an interrupted
   * retrieve resumes with the missing instances, and an answer that lacks instances the server listed is an error
   * (a partial series is never handed on as whole).
   */
  async retrieveSeries(client: DicomWebClient, study: string, series: string, options: { onProgress?: (p: RetrieveProgress) => void; signal?: AbortSignal } = {}): Promise<RetrievedSeries> {
    const dir = this.seriesDir(series);
    await mkdir(dir, { recursive: true });
    const metadata = await client.seriesMetadata(study, series);
    if (metadata.length === 0) throw new PacsError('partial', client.server, 'the server lists no instances for this series', series);
    const wanted = new Map<string, string>();
    for (const m of metadata) {
      const sop = text(m, '00080018');
      if (!UID.test(sop)) throw new PacsError('malformed', client.server, 'series metadata: an instance has no valid SOP Instance UID', series);
      wanted.set(sop, metadataDigest(m));
    }
    const fileOf = (sop: string) => join(dir, `${sop}.${wanted.get(sop)}.dcm`);
    const present = new Set(await readdir(dir));
    // Stale versions of an instance (another digest) and leftovers of instances no longer in the series go.
    for (const name of present) {
      const sop = name.replace(/\.[0-9a-f]{16}\.dcm$/, '');
      // (Temporary files are another writer's, still in flight: writeFileAtomic removes its own.)
      if (name.endsWith('.dcm') && (!wanted.has(sop) || name !== `${sop}.${wanted.get(sop)}.dcm`)) {
        await rm(join(dir, name), { force: true });
      }
    }
    const missing = new Set([...wanted.keys()].filter((sop) => !present.has(`${sop}.${wanted.get(sop)}.dcm`)));
    const fromCache = wanted.size - missing.size;
    let bytes = 0;
    let done = fromCache;
    const report = () => options.onProgress?.({ series, done, total: wanted.size, fromCache, bytes });
    report();
    const keep = async (body: Buffer): Promise<void> => {
      let sop: string;
      try {
        sop = str(parseDicomBytes(body, `<part of series ${series}>`, { metadataOnly: true }).dataSet, 'x00080018');
      } catch (err) {
        throw new PacsError('malformed', client.server, `retrieve: a part is not a DICOM object (${(err as Error).message})`, series);
      }
      if (!missing.has(sop)) return; // cached already, or added to the series after its metadata was read
      await writeFileAtomic(fileOf(sop), body, { overwrite: true });
      missing.delete(sop);
      bytes += body.length;
      done++;
      report();
    };
    const signal = options.signal;
    if (missing.size > 0 && missing.size > wanted.size / 2) {
      // Mostly missing: one streamed request for the series; what it lacks is fetched one by one below.
      try {
        await client.retrieve(study, series, (p) => keep(p.body), signal ? { signal } : {});
      } catch (err) {
        if (!(err instanceof PacsError) || err.kind !== 'partial') throw err;
      }
    }
    let firstError: PacsError | undefined;
    for (const sop of [...missing]) {
      try {
        await client.retrieve(study, series, (p) => keep(p.body), { sopInstanceUID: sop, ...(signal ? { signal } : {}) });
      } catch (err) {
        // Authentication and configuration failures will not change for the next instance.
        if (!(err instanceof PacsError) || err.kind === 'auth' || err.kind === 'config') throw err;
        firstError ??= err;
      }
    }
    if (missing.size > 0) {
      const why = firstError ? ` (${firstError.reason})` : '';
      throw new PacsError('partial', client.server, `incomplete series: ${missing.size} of ${wanted.size} listed instances could not be retrieved, e.g. ${[...missing][0]}${why}; what arrived is cached for the next try`, series);
    }
    const files = [...wanted.keys()].map(fileOf);
    const now = new Date();
    await utimes(dir, now, now);
    await this.evict(series);
    return { studyInstanceUID: study, seriesInstanceUID: series, files, downloaded: wanted.size - fromCache, fromCache, bytes };
  }

  /** Removes the least recently retrieved series until the cache fits maxBytes; `keep` is never removed. */
  async evict(keep?: string): Promise<void> {
    const entries = await readdir(this.root).catch(() => [] as string[]);
    const series = await Promise.all(entries.filter((e) => UID.test(e)).map(async (name) => {
      const dir = join(this.root, name);
      const files = await readdir(dir).catch(() => [] as string[]);
      const sizes = await Promise.all(files.map((f) => stat(join(dir, f)).then((s) => s.size, () => 0)));
      return { name, dir, size: sizes.reduce((a, b) => a + b, 0), used: (await stat(dir)).mtimeMs };
    }));
    let total = series.reduce((a, s) => a + s.size, 0);
    for (const s of series.sort((a, b) => a.used - b.used)) {
      if (total <= this.maxBytes) break;
      if (s.name === keep) continue;
      await rm(s.dir, { recursive: true, force: true });
      total -= s.size;
    }
  }
}
