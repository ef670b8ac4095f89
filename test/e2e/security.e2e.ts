// The page runs under the strict CSP, sees only window.api's named functions, and the host serves only the build.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser, startApp, type AppUnderTest } from './harness';

let browser: Browser;
let app: AppUnderTest;
beforeAll(async () => {
  browser = await launchBrowser();
  app = await startApp({ browser });
});
afterAll(async () => {
  await app?.close({ allowPageErrors: true });
  await browser?.close();
});

describe('renderer security', () => {
  it('refuses injected scripts, eval and remote connections (CSP)', async () => {
    const { page } = app;
    // DevTools-evaluated code is exempt from CSP, so inject the way an attacker would: markup that carries script.
    const injected = await page.evaluate(async () => {
      const violations: string[] = [];
      document.addEventListener('securitypolicyviolation', (e) => violations.push(e.violatedDirective));
      const inline = document.createElement('script');
      inline.textContent = 'window.__injected = true; window.__evaluated = eval("1")';
      document.body.append(inline);
      const remote = document.createElement('script');
      remote.src = 'http://127.0.0.2:9/x.js';
      document.body.append(remote);
      await new Promise((r) => setTimeout(r, 200));
      return { ran: 'injected' in window, violations };
    });
    expect(injected.ran).toBe(false);
    expect(injected.violations.some((v) => v.startsWith('script-src'))).toBe(true);
    const csp = (await fetch(app.host.url)).headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-eval');
    const remote = await page.evaluate(() => fetch('http://127.0.0.2:9/').then(() => 'connected', () => 'blocked'));
    expect(remote).toBe('blocked');
  });

  it('exposes only named functions per feature, frozen', async () => {
    const shape = await app.page.evaluate(() => {
      const api = (window as unknown as { api: Record<string, Record<string, unknown>> }).api;
      return { frozen: Object.isFrozen(api), features: Object.keys(api).sort(), study: Object.keys(api.study ?? {}).sort() };
    });
    expect(shape.frozen).toBe(true);
    expect(shape.features).toEqual(['export', 'menu', 'pacs', 'segment', 'session', 'study']);
    expect(shape.study).toEqual(['choose', 'item', 'open', 'pathForFile', 'recent', 'thumbnail']);
  });

  it('validates payloads in main and answers with values', async () => {
    const r = await app.page.evaluate(async () => {
      const api = (window as unknown as { api: { study: { item(k: unknown, i: unknown): Promise<unknown> } } }).api;
      return api.study.item(42, { not: 'an id' });
    });
    expect(r).toMatchObject({ ok: false, error: { code: 'invalid' } });
  });

  it('serves nothing outside the renderer build', async () => {
    for (const path of ['/%2e%2e/%2e%2e/package.json', '/..%2f..%2fpackage.json', '/assets/../../../package.json']) {
      const res = await fetch(new URL(path, app.host.url), { headers: { 'x-s3-token': app.host.token } });
      expect([403, 404], path).toContain(res.status);
    }
  });

  it('the loopback host refuses requests without its token, from a foreign Origin or for another Host', async () => {
    const ipcUrl = new URL('/ipc/study%3Arecent', app.host.url);
    const post = (headers: Record<string, string>, url = ipcUrl) => fetch(url, { method: 'POST', headers, body: new Uint8Array() });
    expect((await post({})).status).toBe(403);
    expect((await post({ 'x-s3-token': 'f'.repeat(32) })).status).toBe(403);
    expect((await post({ 'x-s3-token': app.host.token, origin: 'https://attacker.example' })).status).toBe(403);
    const rebound = new URL(ipcUrl);
    rebound.hostname = 'localhost';
    expect((await post({ 'x-s3-token': app.host.token }, rebound)).status).toBe(403);
    expect((await fetch(new URL('/', app.host.url))).status).toBe(403);
    // With the token, from our own origin, it answers.
    expect((await post({ 'x-s3-token': app.host.token, origin: new URL(app.host.url).origin })).status).toBe(200);
  });
});
