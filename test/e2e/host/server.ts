// The test host: serves the built renderer on 127.0.0.1 and answers window.api calls with the real main/ipc handlers.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile, realpath } from 'node:fs/promises';
import { extname, join, sep } from 'node:path';
import { build } from 'esbuild';
import { createIpc, type EventSink } from '../../../main/ipc';
import type { IpcDeps } from '../../../main/ipc/deps';
import { CONTENT_SECURITY_POLICY } from '../../../main/app/csp';
import { SessionStore } from '../../../main/services/session/store';
import { StudyLibrary } from '../../../main/services/library/library';
import { createProvider } from '../../../main/services/library/provider';
import { createDecodePool } from '../../../main/services/library/decode-pool';
import { fail } from '../../../main/contracts/result';
import { ScriptedDialogs } from './dialogs';
import { decode, encode } from './wire';

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.png': 'image/png', '.svg': 'image/svg+xml', '.json': 'application/json' };

export interface HostOptions {
  readonly rendererDir: string;
  readonly dataDir: string;
  readonly segmenter: IpcDeps['segmenter'];
  readonly runDefaults?: IpcDeps['runDefaults'];
  readonly port?: number;
  /** Accept scripted dialog answers over HTTP (POST /__test/dialog) for a host running in another process. */
  readonly testControls?: boolean;
}

export interface Host {
  /** The page's address, with the host's random token (?t=…) that every request must carry (query, cookie or header). */
  readonly url: string;
  readonly token: string;
  readonly dialogs: ScriptedDialogs;
  readonly store: SessionStore;
  close(): Promise<void>;
}

async function bundleBridge(): Promise<string> {
  const out = await build({ entryPoints: [join(import.meta.dirname, 'bridge.ts')], bundle: true, write: false, format: 'iife', platform: 'browser', target: 'chrome120', logLevel: 'silent' });
  return out.outputFiles[0]?.text ?? '';
}

export async function startHost(options: HostOptions): Promise<Host> {
  const root = await realpath(options.rendererDir);
  const bridge = await bundleBridge();
  const clients = new Set<ServerResponse>();
  const events: EventSink = {
    send(channel, payload) {
      const line = `data: ${Buffer.from(encode({ channel, payload })).toString('base64')}\n\n`;
      // A page that just closed may still be listed: writing to its ended stream would throw in the host.
      for (const c of clients) if (!c.writableEnded && !c.destroyed) c.write(line);
    },
  };
  const dialogs = new ScriptedDialogs();
  const store = new SessionStore(options.dataDir);
  // The same decoding worker threads as the app (run from sources through tsx).
  const decoder = createDecodePool(new URL('../../../main/services/library/decode-worker-bootstrap.mjs', import.meta.url));
  const ipc = createIpc({ library: new StudyLibrary(createProvider(decoder.decode)), store, dialogs, events, segmenter: options.segmenter, runDefaults: options.runDefaults });

  const send = (res: ServerResponse, status: number, type: string, body: string | Uint8Array): void => {
    res.writeHead(status, { 'content-type': type, 'content-security-policy': CONTENT_SECURITY_POLICY, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
    res.end(body);
  };

  const serveFile = async (res: ServerResponse, urlPath: string): Promise<void> => {
    // Only files inside the renderer build, checked after realpath, so neither ../ nor links can escape it.
    let file: string;
    try {
      file = await realpath(join(root, decodeURIComponent(urlPath)));
    } catch {
      return send(res, 404, 'text/plain', 'not found');
    }
    if (file !== root && !file.startsWith(root + sep)) return send(res, 403, 'text/plain', 'forbidden');
    let body: string | Uint8Array = new Uint8Array(await readFile(file));
    if (file.endsWith('index.html')) body = new TextDecoder().decode(body).replace('<head>', '<head>\n<script src="/bridge.js"></script>');
    send(res, 200, TYPES[extname(file)] ?? 'application/octet-stream', body);
  };

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    // A web page open while the tests run must not drive the host: loopback Host only (no DNS rebinding), our own
    // Origin only (no cross-site requests), and the random token on every request.
    const self = `127.0.0.1:${port}`;
    if (req.headers.host !== self) return send(res, 403, 'text/plain', 'wrong host');
    if (req.headers.origin !== undefined && req.headers.origin !== `http://${self}`) return send(res, 403, 'text/plain', 'foreign origin');
    const cookie = /(?:^|;\s*)s3host=([0-9a-f]+)/.exec(req.headers.cookie ?? '')?.[1];
    const presented = url.searchParams.get('t') ?? req.headers['x-s3-token'] ?? cookie;
    if (typeof presented !== 'string' || !safeEqual(presented, token)) return send(res, 403, 'text/plain', 'no token');
    if (url.searchParams.has('t')) res.setHeader('set-cookie', `s3host=${token}; HttpOnly; SameSite=Strict; Path=/`);
    if (req.method === 'POST' && url.pathname.startsWith('/ipc/')) {
      const channel = decodeURIComponent(url.pathname.slice(5));
      const handler = ipc.handlers[channel];
      let result;
      try {
        result = handler ? await handler(decode(await body(req))) : fail('not-found', `no channel ${channel}`);
      } catch {
        result = fail('invalid', 'unreadable request');
      }
      return send(res, 200, 'application/octet-stream', encode(result));
    }
    if (req.method === 'GET' && url.pathname === '/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
      res.write(': hello\n\n');
      clients.add(res);
      req.on('close', () => clients.delete(res));
      return;
    }
    if (options.testControls && req.method === 'POST' && url.pathname === '/__test/dialog') {
      const answer = JSON.parse(new TextDecoder().decode(await body(req))) as { open?: string[]; exportFolder?: string };
      if (answer.open) dialogs.answerOpen(answer.open);
      if (answer.exportFolder) dialogs.answerExportFolder(answer.exportFolder);
      return send(res, 200, 'text/plain', 'ok');
    }
    if (req.method === 'GET' && url.pathname === '/bridge.js') return send(res, 200, 'text/javascript', bridge);
    if (req.method === 'GET') return serveFile(res, url.pathname === '/' ? '/index.html' : url.pathname);
    send(res, 405, 'text/plain', 'method not allowed');
  };

  const token = randomBytes(16).toString('hex');
  let port = 0;
  const server = createServer((req, res) => {
    route(req, res).catch(() => send(res, 500, 'text/plain', 'error'));
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const address = server.address();
  port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/?t=${token}`,
    token,
    dialogs,
    store,
    async close() {
      for (const c of clients) c.end();
      await ipc.close();
      await decoder.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function safeEqual(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

async function body(req: IncomingMessage): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return new Uint8Array(Buffer.concat(chunks));
}
