// A clinician's pass over a chest CT series: open, browse, window, S3-Net on a slice, paint/erase/undo, accept, export SEG.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { DATA, launchBrowser, openFolder, shot, startApp, type AppUnderTest } from './harness';
import { currentItem, drag, maskCount, viewportCentre } from './page';

const run = promisify(execFile);
let browser: Browser;
let app: AppUnderTest;
let out: string;

beforeAll(async () => {
  browser = await launchBrowser();
  app = await startApp({ browser });
  out = await mkdtemp(join(tmpdir(), 's3-e2e-export-'));
});
afterAll(async () => {
  await app?.close();
  await browser?.close();
  await rm(out, { recursive: true, force: true });
});

describe('chest CT (LIDC-IDRI-0001)', () => {
  it('opens the folder and shows the series with its slice count and the first slice', async () => {
    const { page } = app;
    await openFolder(app, join(DATA, 'ct/lidc/LIDC-IDRI-0001'));
    await expect.poll(() => page.getByTestId('slice-info').textContent()).toContain('Slice 1/16');
    await expect(page.getByTestId('series').textContent()).resolves.toContain('16 slices');
    await page.waitForTimeout(300);
    await shot(page, 'ct-series');
  });

  it('scrolls with the wheel and the arrow keys, and shows HU under the cursor', async () => {
    const { page } = app;
    const c = await viewportCentre(page);
    await page.mouse.move(c.x, c.y);
    for (let i = 0; i < 3; i++) await page.mouse.wheel(0, 100);
    await expect.poll(() => page.getByTestId('slice-info').textContent()).toContain('Slice 4/16');
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => page.getByTestId('slice-info').textContent()).toContain('Slice 5/16');
    await page.keyboard.press('ArrowUp');
    await expect.poll(() => page.getByTestId('slice-info').textContent()).toContain('Slice 4/16');
    await page.mouse.move(c.x + 5, c.y + 5);
    await expect.poll(() => page.getByTestId('cursor').textContent()).toMatch(/\(\d+, \d+\) -?\d+ HU/);
  });

  it('changes window/level by preset and by right-drag', async () => {
    const { page } = app;
    await page.getByText('Mediastinum', { exact: true }).click();
    await expect.poll(() => page.getByTestId('status-bar').textContent()).toContain('W 350 / L 40');
    const c = await viewportCentre(page);
    await drag(page, c, { x: c.x + 60, y: c.y + 30 }, 6, 'right');
    await expect.poll(() => page.getByTestId('status-bar').textContent()).not.toContain('W 350 / L 40');
    await page.getByText('Lung', { exact: true }).click();
    await expect.poll(() => page.getByTestId('status-bar').textContent()).toContain('W 1500 / L -600');
  });

  it('zooms, pans and fits', async () => {
    const { page } = app;
    const zoom = async (): Promise<number> => Number((await page.getByTestId('zoom').textContent())?.replace('%', ''));
    const fitted = await zoom();
    await page.getByTitle('Zoom in').click();
    await expect.poll(zoom).toBeGreaterThan(fitted * 1.2);
    await page.getByTestId('tool-pan').click();
    const c = await viewportCentre(page);
    await drag(page, c, { x: c.x + 50, y: c.y });
    await page.getByTestId('fit').click();
    await expect.poll(zoom).toBe(fitted);
    await page.getByTestId('tool-wl').click();
  });

  it('runs S3-Net on this slice in the background with progress, and shows the proposal', async () => {
    const { page } = app;
    await page.getByTestId('run-item').click();
    await page.locator('[data-testid=job][data-state=done]').waitFor({ timeout: 180_000 });
    await expect.poll(() => page.getByTestId('item-status').getAttribute('data-status')).toBe('proposed');
    expect(await maskCount(page)).toBeGreaterThan(0);
    await expect(page.getByTestId('count-proposed').textContent()).resolves.toContain('1');
    await shot(page, 'ct-proposal');
  });

  it('paints with the brush and erases, marks the slice corrected, and undoes/redoes by diff', async () => {
    const { page } = app;
    const c = await viewportCentre(page);
    const before = await maskCount(page);
    await page.getByTestId('tool-brush').click();
    for (let i = 0; i < 4; i++) await page.keyboard.press(']');
    await drag(page, { x: c.x - 120, y: c.y - 150 }, { x: c.x + 120, y: c.y - 150 });
    const painted = await maskCount(page);
    expect(painted).toBeGreaterThan(before + 500);
    await expect.poll(() => page.getByTestId('item-status').getAttribute('data-status')).toBe('corrected');
    await page.getByTestId('tool-eraser').click();
    await drag(page, { x: c.x - 40, y: c.y - 150 }, { x: c.x + 40, y: c.y - 150 });
    const erased = await maskCount(page);
    expect(erased).toBeLessThan(painted);
    await shot(page, 'ct-edited');
    await page.keyboard.press('Control+z');
    expect(await maskCount(page)).toBe(painted);
    await page.keyboard.press('Control+Shift+Z');
    expect(await maskCount(page)).toBe(erased);
  });

  it('A keeps a corrected slice corrected and moves on; a slice never run is accepted only as "Accept empty"; R draws hatched', async () => {
    const { page } = app;
    const slice = await page.getByTestId('slice-info').textContent();
    await page.keyboard.press('a');
    await expect.poll(() => page.getByTestId('count-corrected').textContent(), { timeout: 15_000 }).toContain('1');
    await expect(page.getByTestId('count-accepted').textContent()).resolves.toContain('0');
    await expect.poll(() => page.getByTestId('slice-info').textContent(), { timeout: 15_000 }).not.toBe(slice);
    // The next unreviewed slice was never run: A asks first and accepts nothing.
    await page.keyboard.press('a');
    await page.getByTestId('accept-empty-confirm').waitFor({ timeout: 15_000 });
    await expect(page.getByTestId('count-accepted').textContent()).resolves.toContain('0');
    await page.keyboard.press('r');
    await expect.poll(() => page.getByTestId('count-rejected').textContent(), { timeout: 15_000 }).toContain('1');
    await expect(page.getByTestId('count-not-run').textContent()).resolves.toContain('14');
    await page.keyboard.press('ArrowUp');
    await expect.poll(() => page.getByTestId('slice-info').textContent(), { timeout: 15_000 }).toBe(slice);
    await page.keyboard.press('r');
    await expect.poll(() => page.getByTestId('count-rejected').textContent(), { timeout: 15_000 }).toContain('2');
    await shot(page, 'ct-rejected');
    await page.keyboard.press('Shift+A');
    // Accepting after a rejection: a person edited this slice, so it is corrected, and Shift+A stays on it.
    await expect.poll(() => page.getByTestId('count-corrected').textContent(), { timeout: 15_000 }).toContain('1');
    await expect(page.getByTestId('count-rejected').textContent()).resolves.toContain('1');
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => page.getByTestId('slice-info').textContent(), { timeout: 15_000 }).not.toBe(slice);
  });

  it('exports a DICOM SEG that dciodvfy accepts, and never overwrites without asking', async () => {
    const { page } = app;
    await page.keyboard.press('ArrowUp');
    await page.getByLabel('segment name').fill('Lungs');
    await page.getByTestId('open-export').click();
    await page.getByTestId('export-format').selectOption('seg');
    app.host.dialogs.answerExportFolder(out);
    await page.getByTestId('export-choose').click();
    await expect.poll(() => page.getByTestId('export-destination').textContent()).toBe(out);
    await expect.poll(() => page.getByTestId('export-plan').textContent(), { timeout: 15_000 }).toBe('1 corrected, 1 rejected written empty, 14 not run left out');
    await shot(page, 'export-dialog');
    await page.getByTestId('export-run').click();
    await expect.poll(() => page.getByTestId('export-result').textContent(), { timeout: 60_000 }).toContain('.seg.dcm');
    const file = (await page.getByTestId('export-result').textContent())?.match(/(\/\S+\.seg\.dcm)/)?.[1] ?? '';
    const check = await run('dciodvfy', [file]).catch((e: { stdout: string; stderr: string }) => e);
    const report = `${check.stdout}\n${check.stderr}`;
    expect(report).not.toMatch(/^Error/m);
    // The segment carries the name the user gave it, and says a person edited S3-Net's proposal.
    const dump = (await run('dcmdump', ['+P', '0062,0005', '+P', '0062,0008', file])).stdout;
    expect(dump).toContain('[Lungs]');
    expect(dump).toContain('SEMIAUTOMATIC');
    await page.getByTestId('export-run').click();
    await page.getByTestId('export-exists').waitFor();
    await page.getByTestId('export-replace').click();
    await expect.poll(() => page.getByTestId('export-result').textContent()).toContain('Wrote 1 file');
    await page.keyboard.press('Escape');
  });

  it('runs the whole series in the background, shows results as they finish, and cancels the rest', async () => {
    const { page } = app;
    await page.getByTestId('run-group').click();
    // The corrected and the rejected slice are skipped: 14 of the series' 16 run, after the one run before.
    await expect.poll(() => page.locator('[data-testid=job]').count(), { timeout: 15_000 }).toBe(15);
    await expect.poll(() => page.getByTestId('message').textContent(), { timeout: 15_000 }).toContain('(2 reviewed skipped)');
    // Two more proposals arrive one by one while the queue keeps running.
    await expect.poll(() => page.locator('[data-testid=job][data-state=done]').count(), { timeout: 120_000 }).toBeGreaterThanOrEqual(3);
    await expect.poll(async () => Number((await page.getByTestId('count-proposed').textContent())?.match(/\d+/)?.[0])).toBeGreaterThanOrEqual(2);
    await expect(page.getByTestId('queue-progress').textContent()).resolves.toMatch(/\d+\/15 done/);
    await shot(page, 'ct-queue');
    // One item's × cancels that item only; the queue goes on.
    await page.getByTestId('cancel-job').last().click();
    await expect.poll(() => page.locator('[data-testid=job][data-state=cancelled]').count()).toBe(1);
    expect(await page.locator('[data-testid=job][data-state=queued]').count()).toBeGreaterThan(0);
    await page.getByTestId('cancel-runs').click();
    await expect.poll(() => page.locator('[data-testid=job][data-state=running], [data-testid=job][data-state=queued]').count(), { timeout: 60_000 }).toBe(0);
    expect(await page.locator('[data-testid=job][data-state=cancelled]').count()).toBeGreaterThan(5);
    // Reviewed slices keep what the clinician decided.
    await expect(page.getByTestId('count-corrected').textContent()).resolves.toContain('1');
    await expect(page.getByTestId('count-rejected').textContent()).resolves.toContain('1');
  });

  it('lists the proposals with their confidence, least confident first, and D goes to the most doubtful', async () => {
    const { page } = app;
    const proposed = Number((await page.getByTestId('count-proposed').textContent())?.match(/\d+/)?.[0]);
    const badges = page.locator('[data-testid=queue-row] [data-testid=confidence]');
    await expect.poll(() => badges.count()).toBe(Math.min(proposed, 40));
    const values = (await badges.evaluateAll((els) => els.map((e) => e.getAttribute('data-confidence') ?? ''))).map(Number);
    expect(values.every((v) => v >= 0 && v <= 1)).toBe(true);
    expect(values).toEqual([...values].sort((a, b) => a - b));
    for (const text of await badges.allTextContents()) expect(text).toMatch(/^\s*\d{1,3}%( check)?\s*$/);
    // D shows the first row, and the status bar gives that slice's confidence.
    await page.keyboard.press('d');
    const first = await page.getByTestId('queue-row').first().getAttribute('data-item');
    await expect.poll(() => currentItem(page), { timeout: 15_000 }).toBe(first);
    await expect.poll(() => page.getByTestId('item-confidence').getAttribute('data-confidence'), { timeout: 15_000 }).toBe(String(values[0]));
    await expect(page.getByTestId('item-confidence').textContent()).resolves.toContain(`${Math.floor((values[0] ?? 0) * 100)}%`);
  });

  it('lists the keyboard shortcuts with ?', async () => {
    const { page } = app;
    await page.keyboard.press('?');
    await page.getByTestId('help-overlay').waitFor();
    await expect(page.getByTestId('help-overlay').textContent()).resolves.toContain('Next unreviewed item');
    await expect(page.getByTestId('help-overlay').textContent()).resolves.toContain('Next proposal to check, least confident first');
    await shot(page, 'help');
    await page.keyboard.press('Escape');
  });
});
