// Reading what the page shows: mask pixels and statuses, through the state the UI renders from.
import type { Page } from 'playwright-core';

interface Exposed {
  s3app: {
    mask: { current: { width: number; height: number; data: Uint8Array } | null };
    study: { currentId: string | null };
    lastShowMs: number;
  };
}

export async function maskCount(page: Page): Promise<number> {
  return page.evaluate(() => {
    const m = (window as unknown as Exposed).s3app.mask.current;
    return m ? m.data.reduce((n, v) => n + (v ? 1 : 0), 0) : -1;
  });
}

export async function maskBytes(page: Page): Promise<{ width: number; height: number; data: number[] }> {
  return page.evaluate(() => {
    const m = (window as unknown as Exposed).s3app.mask.current;
    if (!m) throw new Error('no mask');
    return { width: m.width, height: m.height, data: Array.from(m.data) };
  });
}

export async function currentItem(page: Page): Promise<string | null> {
  return page.evaluate(() => (window as unknown as Exposed).s3app.study.currentId);
}

/** Centre of the viewport element in page coordinates. */
export async function viewportCentre(page: Page): Promise<{ x: number; y: number }> {
  const box = await page.getByTestId('viewport').boundingBox();
  if (!box) throw new Error('no viewport');
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}

export async function drag(page: Page, from: { x: number; y: number }, to: { x: number; y: number }, steps = 12, button: 'left' | 'right' = 'left'): Promise<void> {
  await page.mouse.move(from.x, from.y);
  await page.mouse.down({ button });
  await page.mouse.move(to.x, to.y, { steps });
  await page.mouse.up({ button });
}
