// DicomWebClient: QIDO-RS search, WADO-RS retrieve (streamed multipart) and STOW-RS store against one server root.
import { readFile } from 'node:fs/promises';
import { authorizationHeader, type PacsAuth } from './auth.js';
import { PacsError, serverLabel } from './errors.js';
import { errorForStatus, readBody, send, statusError, wrapNetworkError, type HttpResponse } from './http.js';
import { boundaryOf, MultipartError, readMultipart, writeMultipart, type Part } from './multipart.js';
import {
  dicomJsonListSchema, dicomJsonSchema, instanceSummary, queryParams, seriesSummary, studySummary, integer, text,
  type DicomJson, type InstanceSummary, type SearchQuery, type SeriesSummary, type StudySummary,
} from './qido.js';

export interface PacsConfig {
  /** The DICOMweb root, e.g. http://127.0.0.1:8042/dicom-web */
  readonly url: string;
  readonly auth?: PacsAuth;
  /** A PEM file of certificates to trust for https (the system's roots otherwise). */
  readonly caFile?: string;
  /** No byte for this long ends a request (default 30 s). */
  readonly timeoutMs?: number;
}

export type StoreOutcome =
  | { readonly status: 'stored'; readonly sopInstanceUID: string }
  | { readonly status: 'already-present'; readonly sopInstanceUID: string }
  | { readonly status: 'refused'; readonly sopInstanceUID: string; readonly reason: string };

const JSON_LIMIT = 64 * 1024 * 1024;
const DICOM_ACCEPT = 'multipart/related; type="application/dicom"; transfer-syntax=*';

export class DicomWebClient {
  readonly server: string;
  private readonly root: URL;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;
  private ca: Buffer | undefined;

  private constructor(config: PacsConfig, ca: Buffer | undefined) {
    let url: URL;
    try {
      url = new URL(config.url);
    } catch {
      throw new PacsError('config', config.url, 'not a URL (expected e.g. http://127.0.0.1:8042/dicom-web)');
    }
    if (url.username || url.password) throw new PacsError('config', serverLabel(url), 'put credentials in the auth settings, not in the URL');
    this.root = new URL(url.href.replace(/\/*$/, '/'));
    this.server = serverLabel(url);
    const auth = authorizationHeader(config.auth ?? { kind: 'none' });
    this.headers = { 'user-agent': 's3-annotate', ...(auth ? { authorization: auth } : {}) };
    this.timeoutMs = config.timeoutMs ?? 30_000;
    this.ca = ca;
  }

  static async open(config: PacsConfig): Promise<DicomWebClient> {
    let ca: Buffer | undefined;
    if (config.caFile) {
      try {
        ca = await readFile(config.caFile);
      } catch (err) {
        throw new PacsError('config', config.url, `cannot read CA file ${config.caFile}: ${(err as Error).message}`);
      }
    }
    return new DicomWebClient(config, ca);
  }

  private url(path: string, params?: URLSearchParams): URL {
    const u = new URL(path.replace(/^\/+/, ''), this.root);
    if (params) u.search = params.toString();
    return u;
  }

  private request(path: string, accept: string, series?: string, params?: URLSearchParams, signal?: AbortSignal): Promise<HttpResponse> {
    return send(this.url(path, params), this.server, { headers: { ...this.headers, accept }, idleTimeoutMs: this.timeoutMs, ...(this.ca ? { ca: this.ca } : {}), ...(signal ? { signal } : {}) }, series);
  }

  /** GET returning DICOM JSON (an empty list for 204 or an empty body). */
  private async json(path: string, what: string, params?: URLSearchParams, series?: string): Promise<DicomJson[]> {
    const res = await this.request(path, 'application/dicom+json, application/json', series, params);
    if (res.status === 204) {
      res.body.resume();
      return [];
    }
    if (res.status < 200 || res.status > 299) throw await statusError(res, this.server, what, series);
    const raw = (await readBody(res, JSON_LIMIT, this.server, series)).toString('utf8');
    if (!raw.trim()) return [];
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      throw new PacsError('malformed', this.server, `${what}: the answer is not JSON (${raw.slice(0, 80).replace(/\s+/g, ' ')}…)`, series);
    }
    const checked = dicomJsonListSchema.safeParse(parsed);
    if (!checked.success) throw new PacsError('malformed', this.server, `${what}: the answer is not a DICOM JSON list (${checked.error.issues[0]?.message ?? 'bad shape'})`, series);
    return checked.data;
  }

  async searchStudies(q: SearchQuery): Promise<StudySummary[]> {
    return (await this.json('studies', 'study search', queryParams(q, 'studies'))).map(studySummary);
  }

  /** Series across the archive, or within one study (q.studyInstanceUID). */
  async searchSeries(q: SearchQuery): Promise<SeriesSummary[]> {
    const { studyInstanceUID, ...rest } = q;
    const path = studyInstanceUID ? `studies/${enc(studyInstanceUID)}/series` : 'series';
    const found = (await this.json(path, 'series search', queryParams(rest, 'series'))).map((d) => seriesSummary(d, studyInstanceUID));
    return found.filter((s) => s.seriesInstanceUID);
  }

  async listInstances(study: string, series: string): Promise<InstanceSummary[]> {
    const list = (await this.json(`studies/${enc(study)}/series/${enc(series)}/instances`, 'instance list', undefined, series)).map(instanceSummary);
    if (list.some((i) => !i.sopInstanceUID)) throw new PacsError('malformed', this.server, 'instance list: an entry has no SOP Instance UID', series);
    return list;
  }

  /** WADO-RS metadata of a series: one DICOM JSON object per instance. */
  async seriesMetadata(study: string, series: string): Promise<DicomJson[]> {
    return this.json(`studies/${enc(study)}/series/${enc(series)}/metadata`, 'series metadata', undefined, series);
  }

  /** Whether an instance with this SOP Instance UID is already in the series (QIDO). */
  async hasInstance(study: string, series: string, sopInstanceUID: string): Promise<boolean> {
    const p = new URLSearchParams({ SOPInstanceUID: sopInstanceUID });
    const res = await this.request(`studies/${enc(study)}/series/${enc(series)}/instances`, 'application/dicom+json', series, p);
    if (res.status === 404 || res.status === 204) {
      res.body.resume();
      return false;
    }
    if (res.status < 200 || res.status > 299) throw await statusError(res, this.server, 'instance search', series);
    const raw = (await readBody(res, JSON_LIMIT, this.server, series)).toString('utf8');
    let list: unknown;
    try {
      list = raw.trim() ? JSON.parse(raw) : [];
    } catch {
      throw new PacsError('malformed', this.server, 'instance search: the answer is not JSON', series);
    }
    const checked = dicomJsonListSchema.safeParse(list);
    if (!checked.success) throw new PacsError('malformed', this.server, 'instance search: the answer is not a DICOM JSON list', series);
    return checked.data.some((d) => text(d, '00080018') === sopInstanceUID);
  }

  /**
   * Streams the DICOM parts of a WADO-RS retrieve (a series, or one instance). Each part reaches onPart as it
   * completes; an answer cut short throws a 'partial' PacsError after the parts that did arrive.
   */
  async retrieve(study: string, series: string, onPart: (part: Part) => Promise<void>, options: { sopInstanceUID?: string; signal?: AbortSignal } = {}): Promise<number> {
    const path = `studies/${enc(study)}/series/${enc(series)}${options.sopInstanceUID ? `/instances/${enc(options.sopInstanceUID)}` : ''}`;
    const res = await this.request(path, DICOM_ACCEPT, series, undefined, options.signal);
    if (res.status < 200 || res.status > 299) throw await statusError(res, this.server, 'retrieve', series);
    const boundary = boundaryOf(res.headers['content-type']);
    if (!boundary) {
      res.body.destroy();
      throw new PacsError('malformed', this.server, `retrieve: expected multipart/related, got ${res.headers['content-type'] ?? 'no Content-Type'}`, series);
    }
    let n = 0;
    try {
      for await (const part of readMultipart(res.body, boundary)) {
        n++;
        await onPart(part);
      }
    } catch (err) {
      res.body.destroy();
      if (err instanceof MultipartError) throw new PacsError('partial', this.server, `retrieve: ${err.message}`, series);
      const cause = wrapNetworkError(err, this.server, series);
      if (cause.kind === 'unreachable' || cause.kind === 'timeout') {
        throw new PacsError('partial', this.server, `retrieve: the answer broke off after ${n} complete instance${n === 1 ? '' : 's'} (${cause.reason})`, series);
      }
      throw cause;
    }
    return n;
  }

  /** STOW-RS of DICOM objects into the archive (the study comes from each object). */
  async store(objects: readonly Uint8Array[], sopInstanceUIDs: readonly string[], series?: string): Promise<StoreOutcome[]> {
    const { body, contentType } = writeMultipart(objects);
    const res = await send(this.url('studies'), this.server, {
      method: 'POST', body, idleTimeoutMs: this.timeoutMs, ...(this.ca ? { ca: this.ca } : {}),
      headers: { ...this.headers, 'content-type': contentType, accept: 'application/dicom+json' },
    }, series);
    const raw = (await readBody(res, JSON_LIMIT, this.server, series)).toString('utf8');
    if (res.status === 401 || res.status === 403) throw errorForStatus(res.status, raw, this.server, 'store', series);
    let answer: DicomJson | undefined;
    try {
      const checked = dicomJsonSchema.safeParse(raw.trim() ? JSON.parse(raw) : {});
      answer = checked.success ? checked.data : undefined;
    } catch {
      answer = undefined;
    }
    const stored = new Set(sequenceUIDs(answer, '00081199'));
    const failed = new Map(sequenceItems(answer, '00081198').map((it) => [text(it, '00081155'), integer(it, '00081197')]));
    const ok = res.status >= 200 && res.status <= 299;
    return sopInstanceUIDs.map((uid) => {
      if (failed.has(uid)) return { status: 'refused', sopInstanceUID: uid, reason: failureReason(failed.get(uid), res.status) };
      if (ok && (stored.has(uid) || !answer)) return { status: 'stored', sopInstanceUID: uid };
      if (ok) return { status: 'refused', sopInstanceUID: uid, reason: `the server's answer (HTTP ${res.status}) does not list the instance as stored` };
      return { status: 'refused', sopInstanceUID: uid, reason: `HTTP ${res.status}${raw.trim() ? ` — ${raw.replace(/\s+/g, ' ').slice(0, 200)}` : ''}` };
    });
  }
}

function enc(uid: string): string {
  if (!/^[0-9.]{1,64}$/.test(uid)) throw new PacsError('config', '-', `not a DICOM UID: "${uid.slice(0, 80)}"`);
  return uid;
}

function sequenceItems(ds: DicomJson | undefined, tag: string): DicomJson[] {
  const v = ds?.[tag]?.Value ?? [];
  return v.flatMap((it) => {
    const c = dicomJsonSchema.safeParse(it);
    return c.success ? [c.data] : [];
  });
}

function sequenceUIDs(ds: DicomJson | undefined, tag: string): string[] {
  return sequenceItems(ds, tag).map((it) => text(it, '00081155'));
}

/** PS3.18 Table I.2-1 / PS3.4 failure reasons, in words. */
function failureReason(code: number | undefined, status: number): string {
  const known: Record<number, string> = {
    0x0110: 'processing failure', 0x0122: 'SOP class not supported', 0xa700: 'out of resources',
    0xa900: 'data set does not match SOP class', 0xc000: 'cannot understand', 0x0111: 'duplicate SOP instance', 0x0124: 'not authorized',
  };
  return code === undefined ? `refused (HTTP ${status})` : `${known[code] ?? 'refused'} (failure reason 0x${code.toString(16).padStart(4, '0')}, HTTP ${status})`;
}

export type { SeriesSummary, StudySummary, InstanceSummary, SearchQuery, DicomJson };
export { seriesSummary };
