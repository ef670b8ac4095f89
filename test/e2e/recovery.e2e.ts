// Autosave and recovery: edits and statuses survive kill -9 of the main process; reopening restores them.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { DATA, ROOT, launchBrowser } from './harness';
import { currentItem, drag, maskCount, viewportCentre } from './page';

let browser: Browser;
let dataDir: string;
let child: ChildProcess | null = null;

async function startHostProcess(): Promise<string> {
  child = spawn(process.execPath, [join(ROOT, 'main/cli/run-ts.mjs'), join(ROOT, 'test/e2e/host/main.ts'), '--data', dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let text = '';
    child?.stdout?.on('data', (b: Buffer) => {
      text += b.toString();
      const m = text.match(/HOST (\S+)/);
      if (m?.[1]) resolve(m[1]);
    });
    child?.on('exit', (code) => reject(new Error(`host exited with ${code}`)));
  });
}

async function openStudy(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.waitForFunction(() => 's3app' in window);
  await fetch(new URL(`/__test/dialog?t=${new URL(url).searchParams.get('t')}`, url), { method: 'POST', body: JSON.stringify({ open: [join(DATA, 'ct/lidc/LIDC-IDRI-0002')] }) });
  await page.getByTestId('open-folder').click();
  await expect.poll(() => page.getByTestId('slice-info').textContent()).toMatch(/Slice \d+\/12/);
}

beforeAll(async () => {
  browser = await launchBrowser();
  dataDir = await mkdtemp(join(tmpdir(), 's3-e2e-recovery-'));
});
afterAll(async () => {
  child?.kill('SIGKILL');
  await browser?.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('autosave and recovery', () => {
  it('loses nothing older than 2 s when the main process is killed with SIGKILL', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await openStudy(page, await startHostProcess());
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.getByText('Mediastinum', { exact: true }).click();
    await page.getByTestId('tool-brush').click();
    const c = await viewportCentre(page);
    await drag(page, { x: c.x - 80, y: c.y }, { x: c.x + 80, y: c.y + 40 });
    const painted = await maskCount(page);
    const item = await currentItem(page);
    expect(painted).toBeGreaterThan(100);
    await page.keyboard.press('r');
    await expect.poll(() => page.getByTestId('count-rejected').textContent()).toContain('1');
    await page.getByLabel('segment name').fill('Nodule');
    await page.waitForTimeout(2000);
    child?.kill('SIGKILL');
    await new Promise((r) => child?.once('exit', r));
    await page.close();

    const again = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await openStudy(again, await startHostProcess());
    // The study reopens on the slice that was on screen, with its mask, its status and the window.
    expect(await currentItem(again)).toBe(item);
    expect(await maskCount(again)).toBe(painted);
    await expect(again.getByTestId('count-rejected').textContent()).resolves.toContain('1');
    await expect(again.getByTestId('status-bar').textContent()).resolves.toContain('W 350 / L 40');
    await expect(again.getByLabel('segment name').inputValue()).resolves.toBe('Nodule');
    await again.close();
  });
});
