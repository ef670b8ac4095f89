// A loopback HTTP proxy in front of a test server that can rewrite, cut or stall answers: the PACS misbehaving.
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export type ProxyRule = (req: IncomingMessage, res: ServerResponse) => 'forward' | 'handled' | { cutAfterBytes: number } | { headers: Record<string, string> };

export interface Proxy {
  readonly url: string;
  requests: string[];
  rule: ProxyRule;
  close(): Promise<void>;
}

export async function startProxy(target: string, rule: ProxyRule = () => 'forward'): Promise<Proxy> {
  const t = new URL(target);
  const sockets = new Set<Socket>();
  const proxy: Proxy = { url: '', requests: [], rule, close: async () => undefined };
  const server = createServer((req, res) => {
    proxy.requests.push(`${req.method} ${req.url}`);
    const r = proxy.rule(req, res);
    if (r === 'handled') return;
    const headers = { ...req.headers, host: t.host, ...(typeof r === 'object' && 'headers' in r ? r.headers : {}) };
    const up = request({ host: t.hostname, port: t.port, path: req.url, method: req.method, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      if (typeof r === 'object' && 'cutAfterBytes' in r) {
        let sent = 0;
        answer.on('data', (chunk: Buffer) => {
          if (sent >= r.cutAfterBytes) return;
          const part = chunk.subarray(0, r.cutAfterBytes - sent);
          sent += part.length;
          res.write(part);
          if (sent >= r.cutAfterBytes) {
            answer.destroy();
            res.socket?.destroy();
          }
        });
        answer.on('end', () => res.end());
      } else answer.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  Object.assign(proxy, {
    url: `http://127.0.0.1:${port}${t.pathname.replace(/\/$/, '')}`,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  });
  return proxy;
}
