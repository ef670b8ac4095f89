// Serves the WebGPU test page from 127.0.0.1 (token-guarded) and opens it in Debian's Chromium with SwiftShader.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { build } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { WebGpuPageApi } from './page/entry';

const ROOT = resolve(import.meta.dirname, '../..');
const STUB = resolve(import.meta.dirname, 'page/node-stub.ts');

export interface WebGpuPage {
  readonly page: Page;
  /** Calls one function of the page's API and returns its (JSON-able) result. */
  call<K extends keyof WebGpuPageApi>(name: K, ...args: Parameters<WebGpuPageApi[K]>): Promise<Awaited<ReturnType<WebGpuPageApi[K]>>>;
  close(): Promise<void>;
}

/** Chromium's WebGPU on the CPU: SwiftShader's Vulkan, enabled for a page served from loopback. */
export const CHROMIUM_WEBGPU_ARGS = ['--headless', '--no-sandbox', '--enable-unsafe-webgpu', '--enable-unsafe-swiftshader'];

async function bundle(): Promise<string> {
  const out = await build({
    entryPoints: [resolve(import.meta.dirname, 'page/entry.ts')],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    absWorkingDir: ROOT,
    logLevel: 'error',
    // dawn.node is for Node; the page has navigator.gpu and never loads it.
    external: ['webgpu'],
    alias: { 'node:fs': STUB, 'node:v8': STUB, 'node:module': STUB, 'node:child_process': STUB },
    define: { 'process.env.S3A_KERNELS': 'undefined' },
  });
  return (out.outputFiles[0] as { text: string }).text;
}

/** Files the page may fetch besides its script: TF.js's wasm binaries and our kernels (for the wasm fallback). */
const WASM_FILES: Record<string, string> = {
  'tfjs-backend-wasm.wasm': 'node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm',
  'tfjs-backend-wasm-simd.wasm': 'node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm',
  's3kernels.wasm': 'model/kernels/wasm/s3kernels.wasm',
  's3kernels-relaxed.wasm': 'model/kernels/wasm/s3kernels-relaxed.wasm',
};

/** Everything lives under /<token>/ (TF.js builds its wasm URLs from a path prefix, so the token is in the path). */
function serve(js: string, token: string): Promise<Server> {
  const html = `<!doctype html><meta charset="utf-8"><title>S3 WebGPU kernels</title><script type="module" src="main.js"></script>`;
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    if (!path.startsWith(`/${token}/`)) {
      res.writeHead(403).end('bad token');
      return;
    }
    const name = path.slice(token.length + 2);
    const wasm = name.startsWith('wasm/') ? WASM_FILES[name.slice(5)] : undefined;
    const send = (type: string, body: string | Buffer) =>
      res.writeHead(200, { 'content-type': type, 'content-security-policy': "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'" }).end(body);
    if (name === '') send('text/html', html);
    else if (name === 'main.js') send('text/javascript', js);
    else if (wasm) readFile(resolve(ROOT, wasm)).then((b) => send('application/wasm', b), () => res.writeHead(500).end());
    else res.writeHead(404).end();
  });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => ok(server));
  });
}

export async function openWebGpuPage(): Promise<WebGpuPage> {
  const token = randomBytes(16).toString('hex');
  const server = await serve(await bundle(), token);
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_WEBGPU_ARGS });
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    const { port } = server.address() as AddressInfo;
    await page.goto(`http://127.0.0.1:${port}/${token}/`);
    await page.waitForFunction(() => 's3gpu' in window, undefined, { timeout: 30_000 }).catch((err: Error) => {
      throw new Error(`the WebGPU test page did not start: ${errors.join('; ') || err.message}`);
    });
    const b = browser;
    return {
      page,
      call: (name, ...args) =>
        page.evaluate(([n, a]) => (window as unknown as { s3gpu: Record<string, (...x: unknown[]) => unknown> }).s3gpu[n as string]?.(...(a as unknown[])), [name, args] as const) as never,
      async close() {
        await b.close();
        server.close();
      },
    };
  } catch (err) {
    await browser?.close();
    server.close();
    throw err;
  }
}
