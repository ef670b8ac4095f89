// Starts the test host and Debian's Chromium on the built renderer, as a person would use the app.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startHost, type Host } from './host/server';
import type { IpcDeps } from '../../main/ipc/deps';
import { createSegmenter } from './host/segmenter';

export const ROOT = resolve(import.meta.dirname, '../..');
export const DATA = resolve(ROOT, '../shared/data');
/**
 * `npm run test:e2e -- --update-screenshots` (S3_UPDATE_SCREENSHOTS=1) rewrites the README's screenshots, made with
 * the app's real run defaults; any other run writes them to a temporary folder and leaves the committed files alone.
 */
export const UPDATE_SCREENSHOTS = process.env.S3_UPDATE_SCREENSHOTS === '1';
export const SCREENSHOTS = UPDATE_SCREENSHOTS ? join(ROOT, 'docs/screenshots') : join(tmpdir(), 's3-e2e-screenshots');

export interface AppUnderTest {
  readonly host: Host;
  readonly browser: Browser;
  readonly page: Page;
  readonly dataDir: string;
  /** Closes the page and the host; keeps the data folder (for recovery tests) unless asked. */
  close(options?: { keepData?: boolean; allowPageErrors?: boolean }): Promise<void>;
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
}

export async function startApp(options: { browser: Browser; dataDir?: string; segmenter?: IpcDeps['segmenter'] }): Promise<AppUnderTest> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 's3-e2e-data-')));
  const host = await startHost({
    rendererDir: join(ROOT, 'out/renderer'),
    dataDir,
    segmenter: options.segmenter ?? createSegmenter(),
    // Small and quick: the e2e suite checks the app's plumbing, not S3-Net's quality. Screenshots for the README
    // show what a user gets, so they are made with the real defaults.
    ...(UPDATE_SCREENSHOTS ? {} : { runDefaults: { size: 64, maxIterations: 3, minIterations: 1 } }),
  });
  const page = await options.browser.newPage({ viewport: { width: 1440, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.goto(host.url);
  await page.waitForFunction(() => 's3app' in window);
  return {
    host,
    browser: options.browser,
    page,
    dataDir,
    async close({ keepData = false, allowPageErrors = false } = {}) {
      await page.close();
      await host.close();
      if (!keepData) await rm(dataDir, { recursive: true, force: true });
      if (errors.length && !allowPageErrors) throw new Error(`page errors:\n${errors.join('\n')}`);
    },
  };
}

export async function openFolder(app: AppUnderTest, path: string): Promise<void> {
  app.host.dialogs.answerOpen([path]);
  await app.page.getByTestId('open-folder').click();
}

export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
}
