// Prompts → seeds: clicks become discs, strokes thick polylines, a box marks everything outside it as background.
import { PromptError, SEED_BACKGROUND, SEED_TARGET, type Prompt, type SeedMap } from './types';

/** Radius of a click's disc: 1 % of the image's smaller side, at least 3 pixels (about a fingertip on screen). */
export function clickRadius(width: number, height: number): number {
  return Math.max(3, Math.round(0.01 * Math.min(width, height)));
}

/** Throws a PromptError naming what is wrong with the prompt for a width × height image. */
export function checkPrompt(p: Prompt, width: number, height: number): void {
  const inside = (x: number, y: number) => Number.isFinite(x) && Number.isFinite(y) && x >= 0 && y >= 0 && x < width && y < height;
  if (p.kind === 'click') {
    if (!inside(p.x, p.y)) throw new PromptError(`click (${p.x}, ${p.y}) is outside the ${width}×${height} image`);
  } else if (p.kind === 'stroke') {
    if (!Array.isArray(p.points) || p.points.length === 0) throw new PromptError('stroke has no points');
    if (!(Number.isFinite(p.width) && p.width > 0 && p.width <= Math.max(width, height))) throw new PromptError(`stroke width ${p.width} is not a positive number of pixels`);
    if (!p.points.some(([x, y]) => inside(x, y))) throw new PromptError(`stroke lies entirely outside the ${width}×${height} image`);
    if (p.points.some(([x, y]) => !Number.isFinite(x) || !Number.isFinite(y))) throw new PromptError('stroke has a point that is not a number');
  } else {
    const vals = [p.x0, p.y0, p.x1, p.y1];
    if (!vals.every(Number.isFinite)) throw new PromptError('box corners must be numbers');
    const w = Math.min(width, Math.max(p.x0, p.x1)) - Math.max(0, Math.min(p.x0, p.x1));
    const h = Math.min(height, Math.max(p.y0, p.y1)) - Math.max(0, Math.min(p.y0, p.y1));
    if (!(w >= 1 && h >= 1)) throw new PromptError(`box (${p.x0}, ${p.y0})–(${p.x1}, ${p.y1}) has no area inside the ${width}×${height} image`);
  }
}

function disc(out: Uint8Array, width: number, height: number, cx: number, cy: number, r: number, value: number): void {
  const r2 = r * r;
  for (let y = Math.max(0, Math.floor(cy - r)); y <= Math.min(height - 1, Math.ceil(cy + r)); y++) {
    for (let x = Math.max(0, Math.floor(cx - r)); x <= Math.min(width - 1, Math.ceil(cx + r)); x++) {
      if ((x - cx) ** 2 + (y - cy) ** 2 <= r2) out[y * width + x] = value;
    }
  }
}

/**
 * The seeds of a list of prompts, later prompts over earlier ones (the user's latest word wins). A box marks the
 * outside as background, less a margin of 2 % of the box so a box drawn tight does not cut the target's rim.
 */
export function rasterisePrompts(prompts: readonly Prompt[], width: number, height: number): SeedMap {
  const data = new Uint8Array(width * height);
  const r = clickRadius(width, height);
  for (const p of prompts) {
    checkPrompt(p, width, height);
    if (p.kind === 'box') {
      const mx = 0.02 * Math.abs(p.x1 - p.x0), my = 0.02 * Math.abs(p.y1 - p.y0);
      const x0 = Math.min(p.x0, p.x1) - mx, x1 = Math.max(p.x0, p.x1) + mx;
      const y0 = Math.min(p.y0, p.y1) - my, y1 = Math.max(p.y0, p.y1) + my;
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) if (x < x0 || x > x1 || y < y0 || y > y1) data[y * width + x] = SEED_BACKGROUND;
      }
      continue;
    }
    const value = p.label === 'include' ? SEED_TARGET : SEED_BACKGROUND;
    if (p.kind === 'click') {
      disc(data, width, height, p.x, p.y, r, value);
      continue;
    }
    const half = Math.max(0.5, p.width / 2);
    const pts = p.points;
    disc(data, width, height, pts[0]![0], pts[0]![1], half, value);
    for (let k = 1; k < pts.length; k++) {
      const [ax, ay] = pts[k - 1]!, [bx, by] = pts[k]!;
      const steps = Math.max(1, Math.ceil(Math.hypot(bx - ax, by - ay) / Math.max(0.5, half / 2)));
      for (let s = 1; s <= steps; s++) disc(data, width, height, ax + ((bx - ax) * s) / steps, ay + ((by - ay) * s) / steps, half, value);
    }
  }
  return { width, height, data };
}

/** Where each include/exclude click or stroke touches (its first point): for keeping the component a prompt names. */
export function promptAnchors(prompts: readonly Prompt[]): { include: [number, number][]; exclude: [number, number][] } {
  const include: [number, number][] = [], exclude: [number, number][] = [];
  for (const p of prompts) {
    if (p.kind === 'box') continue;
    const pts: readonly (readonly [number, number])[] = p.kind === 'click' ? [[p.x, p.y]] : p.points;
    for (const [x, y] of pts) (p.label === 'include' ? include : exclude).push([Math.floor(x), Math.floor(y)]);
  }
  return { include, exclude };
}
