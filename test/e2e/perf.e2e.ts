// The renderer's performance targets, measured in Chromium on the real LIDC series.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser, startApp, type AppUnderTest } from './harness';
import { formatTimings, measureApp } from './measure';

let browser: Browser;
let app: AppUnderTest;
beforeAll(async () => {
  browser = await launchBrowser();
  app = await startApp({ browser });
});
afterAll(async () => {
  await app?.close();
  await browser?.close();
});

describe('renderer performance', () => {
  it('meets the slice, scrolling, brush and undo-memory targets', async () => {
    const t = await measureApp(app);
    console.log(formatTimings(t));
    expect(t.firstSliceMs).toBeLessThan(300);
    expect(t.scrollSlicesPerSecond).toBeGreaterThanOrEqual(30);
    expect(t.brushMoveMedianMs).toBeLessThan(8);
    expect(t.undoBytes200Strokes).toBeLessThan(20 * 1024 * 1024);
  });
});
