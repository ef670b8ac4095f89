// HTTP for DICOMweb on node:http/https: TLS verified (optional CA file), bounded waits, streamed bodies, no redirects.
import { request as httpRequest, type IncomingMessage, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { PacsError } from './errors.js';

export interface HttpOptions {
  readonly method?: 'GET' | 'POST';
  readonly headers?: Record<string, string>;
  readonly body?: Uint8Array;
  /** No byte for this long (connecting, waiting for headers or between chunks) ends the request. */
  readonly idleTimeoutMs: number;
  /** PEM certificates trusted in addition to none: given, they replace the system's roots for this server. */
  readonly ca?: string | Buffer;
  readonly signal?: AbortSignal;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: IncomingMessage;
}

/** One request; resolves once headers arrive. The caller must consume or destroy body. */
export function send(url: URL, server: string, options: HttpOptions, series?: string): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const isHttps = url.protocol === 'https:';
    if (!isHttps && url.protocol !== 'http:') {
      reject(new PacsError('config', server, `unsupported protocol ${url.protocol} (http: or https: only)`, series));
      return;
    }
    const headers: Record<string, string> = { ...options.headers };
    if (options.body) headers['content-length'] = String(options.body.byteLength);
    const common = { method: options.method ?? 'GET', headers, signal: options.signal };
    // rejectUnauthorized is Node's default; it is spelled out so no one turns it off by accident.
    const req = isHttps
      ? httpsRequest(url, { ...common, rejectUnauthorized: true, ...(options.ca ? { ca: options.ca } : {}) })
      : httpRequest(url, common);
    req.setTimeout(options.idleTimeoutMs, () => {
      req.destroy(new PacsError('timeout', server, `no answer within ${Math.round(options.idleTimeoutMs / 1000)} s (${url.pathname})`, series));
    });
    req.on('error', (err) => reject(wrapNetworkError(err, server, series)));
    req.on('response', (res) => {
      // The idle timer keeps running on the socket while the body streams.
      res.on('error', () => undefined);
      resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res });
    });
    req.end(options.body ? Buffer.from(options.body.buffer, options.body.byteOffset, options.body.byteLength) : undefined);
  });
}

export function wrapNetworkError(err: unknown, server: string, series?: string): PacsError {
  if (err instanceof PacsError) return err;
  const e = err as NodeJS.ErrnoException;
  if (e.name === 'AbortError') return new PacsError('timeout', server, 'cancelled', series);
  const tls = /CERT|SSL|TLS|self.signed|DEPTH_ZERO/i.test(`${e.code ?? ''} ${e.message}`);
  const why = e.code === 'ECONNREFUSED' ? 'connection refused (is the server running?)' : tls ? `TLS certificate not trusted: ${e.message}` : e.message;
  return new PacsError('unreachable', server, why, series);
}

/** Reads a whole (small) body, bounded in size. */
export async function readBody(res: HttpResponse, limit: number, server: string, series?: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit) {
        res.body.destroy();
        throw new PacsError('malformed', server, `answer larger than ${limit} bytes`, series);
      }
      chunks.push(chunk);
    }
  } catch (err) {
    throw wrapNetworkError(err, server, series);
  }
  return Buffer.concat(chunks);
}

/** An error for a non-2xx answer, with the server's own words where it gave some. */
export async function statusError(res: HttpResponse, server: string, what: string, series?: string): Promise<PacsError> {
  const text = (await readBody(res, 64 * 1024, server, series).catch(() => Buffer.alloc(0))).toString('utf8');
  return errorForStatus(res.status, text, server, what, series);
}

export function errorForStatus(status: number, text: string, server: string, what: string, series?: string): PacsError {
  const detail = serverMessage(text);
  const base = `${what}: HTTP ${status}${detail ? ` — ${detail}` : ''}`;
  if (status === 401) return new PacsError('auth', server, `${base} (authentication required or wrong credentials)`, series, 401);
  if (status === 403) return new PacsError('auth', server, `${base} (access refused)`, series, 403);
  return new PacsError('http', server, base, series, status);
}

function serverMessage(text: string): string {
  if (!text.trim()) return '';
  try {
    const j = JSON.parse(text) as Record<string, unknown>;
    const m = j.Details ?? j.Message ?? j.message ?? j.error;
    if (typeof m === 'string') return m.slice(0, 300);
  } catch {
    /* not JSON */
  }
  return text.replace(/\s+/g, ' ').trim().slice(0, 300);
}
