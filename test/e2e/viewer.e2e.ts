// Viewer conventions a radiology user expects (OHIF, Slicer, ITK-SNAP): slice order and keys, zoom at the pointer,
// orientation and corner annotations, window presets, MPR with the mask, intensity flood fill, the cluster map.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { DATA, launchBrowser, openFolder, startApp, type AppUnderTest } from './harness';
import { maskCount, viewportCentre } from './page';

let browser: Browser;
let app: AppUnderTest;
let shots: string;

interface Exposed {
  s3app: {
    voi: { center: number; width: number } | null;
    study: { current: { kind: string; hu?: Int16Array; position: number | null } | null; group: string[]; positionInGroup: number };
    viewer: { cross: { x: number; y: number } | null; volume: { depth: number; width: number; height: number } | null };
    mask: { get(id: string): { data: Uint8Array } | undefined };
  };
}

const sliceInfo = (page: Page): Promise<string | null> => page.getByTestId('slice-info').textContent();
const z = (page: Page): Promise<number | null> => page.evaluate(() => (window as unknown as Exposed).s3app.study.current?.position ?? null);
const voi = (page: Page): Promise<{ center: number; width: number } | null> => page.evaluate(() => (window as unknown as Exposed).s3app.voi);
// Screenshots for looking at, kept out of the repository (docs/screenshots is for the README's).
const shot = (page: Page, name: string): Promise<Buffer> => page.screenshot({ path: join(shots, `${name}.png`) });

beforeAll(async () => {
  browser = await launchBrowser();
  app = await startApp({ browser });
  await app.page.setViewportSize({ width: 1440, height: 760 });
  shots = process.env.S3_VIEWER_SHOTS ?? (await mkdtemp(join(tmpdir(), 's3-viewer-shots-')));
});
afterAll(async () => {
  await app?.close();
  await browser?.close();
});

describe('viewer conventions on LIDC-IDRI-0001 (16 axial slices)', () => {
  it('starts at the most superior slice; wheel-down goes inferior; Home/End/PageUp/PageDown', async () => {
    const { page } = app;
    await openFolder(app, join(DATA, 'ct/lidc/LIDC-IDRI-0001'));
    await expect.poll(() => sliceInfo(page)).toContain('Slice 1/16');
    const top = await z(page);
    const c = await viewportCentre(page);
    await page.mouse.move(c.x, c.y);
    await page.mouse.wheel(0, 100);
    await expect.poll(() => sliceInfo(page)).toContain('Slice 2/16');
    const second = await z(page);
    expect(second).toBeLessThan(top ?? -Infinity);
    await page.keyboard.press('End');
    await expect.poll(() => sliceInfo(page)).toContain('Slice 16/16');
    const bottom = await z(page);
    expect(Math.abs((top ?? 0) - (bottom ?? 0))).toBeCloseTo(15 * 2.5, 1);
    expect(bottom).toBeLessThan(top ?? -Infinity);
    await page.keyboard.press('PageUp');
    await expect.poll(() => sliceInfo(page)).toContain('Slice 6/16');
    await page.keyboard.press('PageDown');
    await expect.poll(() => sliceInfo(page)).toContain('Slice 16/16');
    await page.keyboard.press('Home');
    await expect.poll(() => sliceInfo(page)).toContain('Slice 1/16');
    expect(await z(page)).toBe(top);
  });

  it('shows orientation letters and corner annotations with the name and date formatted', async () => {
    const { page } = app;
    const text = async (id: string): Promise<string> => (await page.getByTestId(id).textContent())?.trim() ?? '';
    expect([await text('orient-left'), await text('orient-right'), await text('orient-top'), await text('orient-bottom')]).toEqual(['R', 'L', 'A', 'P']);
    expect(await text('corner-patient')).toContain('LIDC-IDRI-0001');
    expect(await text('corner-patient')).toMatch(/\d{4}-\d{2}-\d{2}/);
    expect(await text('corner-series')).toContain('CT');
    expect(await text('corner-series')).toMatch(/Slice 1\/16\s·\sz -?\d+\.\d mm/);
    expect(await text('corner-window')).toContain('W 1500 / L -600');
    await shot(page, 'viewer-annotations');
  });

  it('zooms around the pointer with Ctrl+wheel', async () => {
    const { page } = app;
    const box = await page.getByTestId('viewport').boundingBox();
    if (!box) throw new Error('no viewport');
    const at = { x: box.x + box.width * 0.3, y: box.y + box.height * 0.35 };
    await page.mouse.move(at.x, at.y);
    await expect.poll(() => page.getByTestId('cursor').textContent()).toMatch(/\(\d+, \d+\)/);
    const before = (await page.getByTestId('cursor').textContent()) ?? '';
    const zoom = async (): Promise<number> => Number((await page.getByTestId('zoom').textContent())?.replace('%', ''));
    const z0 = await zoom();
    await page.keyboard.down('Control');
    for (let i = 0; i < 5; i++) await page.mouse.wheel(0, -100);
    await page.keyboard.up('Control');
    await expect.poll(zoom).toBeGreaterThan(z0 * 1.5);
    // The same image pixel is still under the pointer (to a pixel, after rounding).
    await page.mouse.move(at.x + 1, at.y);
    await page.mouse.move(at.x, at.y);
    const pix = (s: string): number[] => (/\((\d+), (\d+)\)/.exec(s) ?? []).slice(1).map(Number);
    const after = (await page.getByTestId('cursor').textContent()) ?? '';
    const [bx = 0, by = 0] = pix(before);
    const [ax = 0, ay = 0] = pix(after);
    expect(Math.abs(ax - bx)).toBeLessThanOrEqual(1);
    expect(Math.abs(ay - by)).toBeLessThanOrEqual(1);
    await page.getByTestId('fit').click();
  });

  it('switches window presets with keys 1–5 and 0 (auto: the slice min/max)', async () => {
    const { page } = app;
    await page.keyboard.press('2');
    await expect.poll(() => voi(page)).toEqual({ center: 40, width: 350 });
    await page.keyboard.press('3');
    await expect.poll(() => voi(page)).toEqual({ center: 500, width: 2000 });
    await page.keyboard.press('0');
    const range = await page.evaluate(() => {
      const hu = (window as unknown as Exposed).s3app.study.current?.hu ?? new Int16Array();
      let lo = Infinity;
      let hi = -Infinity;
      for (const v of hu) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
      return { lo, hi };
    });
    await expect.poll(() => voi(page)).toEqual({ center: range.lo + (range.hi - range.lo) / 2, width: range.hi - range.lo });
    await expect.poll(() => page.getByTestId('corner-window').textContent()).toContain(`W ${range.hi - range.lo}`);
    await page.keyboard.press('1');
    await expect.poll(() => voi(page)).toEqual({ center: -600, width: 1500 });
  });

  it('shows the brush size in mm from the pixel spacing', async () => {
    const { page } = app;
    await page.getByTestId('tool-brush').click();
    const text = (await page.getByTestId('brush-size').textContent()) ?? '';
    const m = /(\d+)px · (\d+\.\d) mm/.exec(text);
    expect(m).not.toBeNull();
    const spacing = await page.evaluate(() => ((window as unknown as { s3app: { study: { current: { spacing: number[] } } } }).s3app.study.current.spacing[1] ?? 0));
    expect(Number(m?.[2])).toBeCloseTo(Number(m?.[1]) * spacing, 1);
  });

  it('flood-fills by intensity around the seed (the lung air), not the whole background', async () => {
    const { page } = app;
    await page.getByTestId('tool-flood').click();
    await page.getByTestId('fill-tolerance').fill('200');
    // Seed in the darkest spot of the patient's right lung (image left), found from the pixels on screen.
    const seed = await page.evaluate(() => {
      const hu = (window as unknown as Exposed).s3app.study.current?.hu ?? new Int16Array();
      let best = 200 * 512 + 120;
      for (let y = 200; y < 312; y++) for (let x = 120; x < 240; x++) if ((hu[y * 512 + x] ?? 0) < (hu[best] ?? 0)) best = y * 512 + x;
      return { x: best % 512, y: Math.floor(best / 512), hu: hu[best] ?? 0 };
    });
    expect(seed.hu).toBeLessThan(-700);
    const box = await page.getByTestId('viewport').boundingBox();
    if (!box) throw new Error('no viewport');
    // Fitted: 512 image pixels span the shorter side of the viewport, centred.
    const s = Math.min(box.width, box.height) / 512;
    const px = box.x + box.width / 2 + (seed.x + 0.5 - 256) * s;
    const py = box.y + box.height / 2 + (seed.y + 0.5 - 256) * s;
    await page.mouse.click(px, py);
    await expect.poll(() => maskCount(page)).toBeGreaterThan(3000);
    const stats = await page.evaluate((lim) => {
      const a = (window as unknown as Exposed).s3app;
      const hu = a.study.current?.hu ?? new Int16Array();
      const m = (a as unknown as { mask: { current: { data: Uint8Array } } }).mask.current.data;
      let n = 0;
      let out = 0;
      for (let i = 0; i < m.length; i++) {
        if (!m[i]) continue;
        n++;
        if (Math.abs((hu[i] ?? 0) - lim) > 200) out++;
      }
      return { n, out, corner: m[0] };
    }, seed.hu);
    expect(stats.out).toBe(0);
    expect(stats.corner).toBe(0);
    expect(stats.n).toBeLessThan(512 * 512 / 3);
    await expect.poll(() => page.getByTestId('message').textContent()).toContain(`Flood fill: ${stats.n} pixels within ±200 HU`);
    await page.getByTestId('tool-wl').click();
  });

  it('shows coronal and sagittal planes with the mask, in proportion, with the crosshair in sync', async () => {
    const { page } = app;
    await page.keyboard.press('m');
    await page.getByTestId('mpr-coronal').waitFor();
    await expect.poll(() => page.evaluate(() => (window as unknown as Exposed).s3app.viewer.volume?.depth ?? 0)).toBe(16);
    await expect.poll(() => page.getByTestId('mpr-coronal-top').textContent()).toBe('S');
    // The filled lung shows as red on the coronal plane through the crosshair row.
    const cross = await page.evaluate(() => (window as unknown as Exposed).s3app.viewer.cross);
    expect(cross).not.toBeNull();
    // The lung filled on slice 1 shows on the coronal plane through the crosshair row (slice 1 is its top row).
    await expect.poll(async () => Number(await page.getByTestId('mpr-coronal').getAttribute('data-mask-pixels'))).toBeGreaterThan(20);
    await page.waitForTimeout(300);
    await shot(page, 'viewer-mpr');
    // Shift+click on the axial view moves the crosshair; the planes follow.
    const c = await viewportCentre(page);
    await page.keyboard.down('Shift');
    await page.mouse.click(c.x - 60, c.y + 20);
    await page.keyboard.up('Shift');
    const moved = await page.evaluate(() => (window as unknown as Exposed).s3app.viewer.cross);
    expect(moved).not.toEqual(cross);
    await expect.poll(() => page.getByTestId('mpr-coronal').getAttribute('data-index')).toBe(String(moved?.y));
    await expect.poll(() => page.getByTestId('mpr-sagittal').getAttribute('data-index')).toBe(String(moved?.x));
    // The crosshair column now runs through the filled lung: the sagittal plane shows the mask too.
    await expect.poll(async () => Number(await page.getByTestId('mpr-sagittal').getAttribute('data-mask-pixels'))).toBeGreaterThan(20);
    // A click low on the coronal plane shows an inferior slice.
    const cor = await page.getByTestId('mpr-coronal').boundingBox();
    if (!cor) throw new Error('no coronal view');
    await page.mouse.click(cor.x + cor.width / 2, cor.y + cor.height / 2 + 30);
    await expect.poll(() => page.evaluate(() => (window as unknown as Exposed).s3app.study.positionInGroup)).toBeGreaterThan(7);
    await page.keyboard.press('m');
    await expect.poll(() => page.getByTestId('mpr-coronal').count()).toBe(0);
  });

  it("shows S3-Net's cluster map over the image once S3-Net has run", async () => {
    const { page } = app;
    await page.keyboard.press('Home');
    await expect.poll(() => sliceInfo(page)).toContain('Slice 1/16');
    const centreAlpha = (): Promise<number> =>
      page.evaluate(() => {
        const c = document.querySelector<HTMLCanvasElement>('canvas.overlay');
        const ctx = c?.getContext('2d');
        return c && ctx ? (ctx.getImageData(Math.floor(c.width / 2), Math.floor(c.height / 2), 1, 1).data[3] ?? 0) : -1;
      });
    expect(await centreAlpha()).toBe(0);
    await page.getByTestId('run-item').click();
    await page.locator('[data-testid=job][data-state=done]').waitFor({ timeout: 180_000 });
    await page.keyboard.press('c');
    await expect.poll(() => page.getByTestId('cluster-legend').textContent()).toMatch(/S3-Net clusters: \d+/);
    // Every pixel belongs to a cluster, so the mediastinum at the centre (no mask there) is coloured now.
    await expect.poll(centreAlpha).toBeGreaterThan(0);
    await shot(page, 'viewer-clusters');
    await page.keyboard.press('c');
    await expect.poll(centreAlpha).toBe(0);
  });

  it('keeps every panel on screen at 1440×760 and shows long status messages whole', async () => {
    const { page } = app;
    await page.keyboard.press('m');
    await page.getByTestId('mpr-coronal').waitFor();
    const long = 'LIDC-IDRI-0001: 16 items, 1 skipped — /work/shared/data/ct/lidc/LIDC-IDRI-0001/069.xml is not a DICOM file (no DICM prefix and no plausible implicit VR header)';
    await page.evaluate((m) => (window as unknown as { s3app: { info(m: string): void } }).s3app.info(m), long);
    const msg = page.getByTestId('message');
    await expect.poll(() => msg.textContent()).toBe(long);
    const fit = await page.evaluate(() => {
      const el = document.querySelector<HTMLElement>('[data-testid=message]');
      const inside = (sel: string): boolean => {
        const r = document.querySelector(sel)?.getBoundingClientRect();
        return !!r && r.left >= 0 && r.top >= 0 && r.right <= window.innerWidth + 0.5 && r.bottom <= window.innerHeight + 0.5;
      };
      return {
        clipped: el ? el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1 : true,
        page: document.documentElement.scrollHeight <= window.innerHeight && document.documentElement.scrollWidth <= window.innerWidth,
        panels: ['header', 'aside.left', 'aside.right', 'main', '[data-testid=status-bar]', '[data-testid=mpr-sagittal]', '[data-testid=message]'].map((s) => [s, inside(s)]),
      };
    });
    expect(fit.clipped).toBe(false);
    expect(fit.page).toBe(true);
    expect(fit.panels).toEqual(fit.panels.map(([s]) => [s, true]));
    await shot(page, 'viewer-1440x760');
    await page.keyboard.press('m');
  });
});

describe('non-CT images', () => {
  it('open an MR series in its own window, not the lung window', async () => {
    const { page } = app;
    await openFolder(app, join(DATA, 'dicom/pydicom/MR_small_implicit.dcm'));
    await expect.poll(() => page.getByTestId('corner-series').textContent()).toContain('MR');
    const v = await voi(page);
    expect(v).not.toEqual({ center: -600, width: 1500 });
    expect(v?.width).toBeGreaterThan(0);
    const names = await page.getByTestId('preset').allTextContents();
    expect(names).not.toContain('Lung');
    expect(names).toContain('Auto');
  });
});
