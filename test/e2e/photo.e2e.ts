// A dermoscopy photo (PH2): S3-Net, one click to pick the lesion's cluster, accept, export PNG equal to what was shown.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { DATA, launchBrowser, openFolder, shot, startApp, type AppUnderTest } from './harness';
import { maskBytes, maskCount, viewportCentre } from './page';

let browser: Browser;
let app: AppUnderTest;
let out: string;

beforeAll(async () => {
  browser = await launchBrowser();
  app = await startApp({ browser });
  out = await mkdtemp(join(tmpdir(), 's3-e2e-png-'));
});
afterAll(async () => {
  await app?.close();
  await browser?.close();
  await rm(out, { recursive: true, force: true });
});

describe('dermoscopy photo (PH2 IMD002)', () => {
  it('lists the photographs with thumbnails and shows the first', async () => {
    const { page } = app;
    await openFolder(app, join(DATA, 'skin/ph2/images'));
    await expect.poll(() => page.getByTestId('photo').count(), { timeout: 15_000 }).toBe(15);
    await expect.poll(() => page.getByTestId('slice-info').textContent(), { timeout: 15_000 }).toContain('IMD002.bmp');
    await page.waitForTimeout(300);
    await shot(page, 'photo-list');
  });

  it('runs S3-Net, then one click picks the lesion as the mask', async () => {
    const { page } = app;
    await page.getByTestId('run-item').click();
    await page.locator('[data-testid=job][data-state=done]').waitFor({ timeout: 180_000 });
    expect(await maskCount(page)).toBeGreaterThan(0);
    // Start from nothing, so the mask below is the click's doing alone.
    await page.getByTestId('clear').click();
    expect(await maskCount(page)).toBe(0);
    await page.getByTestId('tool-pick').click();
    const c = await viewportCentre(page);
    await page.mouse.click(c.x, c.y);
    await expect.poll(() => page.getByTestId('message').textContent()).toContain('Picked');
    const n = await maskCount(page);
    expect(n).toBeGreaterThan(1000);
    expect(n).toBeLessThan(765 * 572);
    await expect.poll(() => page.getByTestId('item-status').getAttribute('data-status')).toBe('corrected');
    await page.getByTestId('display-outline').click();
    await shot(page, 'photo-picked');
    await page.getByTestId('display-filled').click();
  });

  it('accepts and exports a PNG identical to the mask on screen', async () => {
    const { page } = app;
    // Shift+A accepts and stays (A would move on); the pick was an edit, so the accepted photo counts as corrected.
    await page.keyboard.press('Shift+A');
    await expect.poll(() => page.getByTestId('count-corrected').textContent(), { timeout: 15_000 }).toContain('1');
    await expect(page.getByTestId('item-status').getAttribute('data-status')).resolves.toBe('corrected');
    await page.getByTestId('open-export').click();
    await page.getByTestId('export-scope').selectOption('item');
    app.host.dialogs.answerExportFolder(out);
    await page.getByTestId('export-choose').click();
    await page.getByTestId('export-run').click();
    await expect.poll(() => page.getByTestId('export-result').textContent(), { timeout: 30_000 }).toContain('IMD002_segmentation.png');
    const shown = await maskBytes(page);
    const { data, info } = await sharp(join(out, 'IMD002_segmentation.png')).greyscale().raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([shown.width, shown.height]);
    let mismatches = 0;
    for (let i = 0; i < shown.data.length; i++) if ((data[i] ?? 0) > 127 !== (shown.data[i] ?? 0) > 0) mismatches++;
    expect(mismatches).toBe(0);
    await page.keyboard.press('Escape');
  });

  it('runs S3-Net on every photo and lists the proposals with their confidence, least confident first', async () => {
    const { page } = app;
    await page.getByTestId('run-all').click();
    // IMD002 stays corrected (the run skips it); the other fourteen wait for review.
    await expect.poll(() => page.getByTestId('count-proposed').textContent(), { timeout: 180_000 }).toContain('14');
    await expect.poll(() => page.locator('[data-testid=job][data-state=running], [data-testid=job][data-state=queued]').count(), { timeout: 60_000 }).toBe(0);
    const rows = page.getByTestId('queue-row');
    await expect.poll(() => rows.count()).toBe(14);
    const values = (await page.locator('[data-testid=queue-row] [data-testid=confidence]').evaluateAll((els) => els.map((e) => e.getAttribute('data-confidence') ?? ''))).map(Number);
    expect(values.every((v) => v >= 0 && v <= 1)).toBe(true);
    expect(values).toEqual([...values].sort((a, b) => a - b));
    // Clicking a row shows that photo, with its confidence in the status bar.
    await rows.first().click();
    const first = (await rows.first().getAttribute('data-item')) ?? '';
    await expect.poll(() => page.getByTestId('slice-info').textContent()).toContain(first.split('/').pop());
    await expect.poll(() => page.getByTestId('item-confidence').getAttribute('data-confidence')).toBe(String(values[0]));
    await page.getByRole('heading', { name: 'Review' }).scrollIntoViewIfNeeded();
    await shot(page, 'review-confidence');
  });

  it('opens chosen files, listing a CT series and a photograph side by side', async () => {
    const { page } = app;
    const ct = join(DATA, 'ct/lidc/LIDC-IDRI-0003');
    const slices = (await readdir(ct)).filter((f) => f.endsWith('.dcm')).map((f) => join(ct, f));
    app.host.dialogs.answerOpen([join(DATA, 'skin/ph2/images/IMD004.bmp'), ...slices]);
    await page.getByTestId('open-files').click();
    await expect.poll(() => page.getByTestId('series').count()).toBe(1);
    await expect(page.getByTestId('series').textContent()).resolves.toContain(`${slices.length} slices`);
    await expect(page.getByTestId('photo').count()).resolves.toBe(1);
    await page.getByTestId('photo').click();
    await expect.poll(() => page.getByTestId('slice-info').textContent()).toContain('IMD004.bmp');
  });
});
