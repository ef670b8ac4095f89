// Pointer and wheel handling on the viewport: which tool a drag drives, in image pixel coordinates.
import type { AppState } from '../state/app.svelte';
import type { ViewportEngine } from './engine';
import { fillIntensity, floodFillRange } from '../tools/fill';
import { fillPolygon, type Point } from '../tools/polygon';

export interface Interaction {
  down(e: PointerEvent): void;
  move(e: PointerEvent): void;
  up(e: PointerEvent): void;
  wheel(e: WheelEvent): void;
}

// A photo's luminance is computed once per photo, not on every click (a 12-megapixel photo is 48 MB of it).
const intensities = new WeakMap<object, ArrayLike<number>>();
const intensityOf = (item: NonNullable<AppState['study']['current']>): ArrayLike<number> => {
  const key = item.kind === 'slice' ? item.hu : item.rgba;
  let v = intensities.get(key);
  if (!v) intensities.set(key, (v = fillIntensity(item)));
  return v;
};

type Drag = 'wl' | 'pan' | 'zoom' | 'brush' | 'eraser' | 'lasso' | null;

export function createInteraction(app: AppState, engine: () => ViewportEngine | null, lasso: (points: readonly Point[]) => void): Interaction {
  let drag: Drag = null;
  let last = { x: 0, y: 0 };
  let points: Point[] = [];

  const pixel = (e: { pageX: number; pageY: number }): { x: number; y: number } => engine()?.toPixel(e.pageX, e.pageY) ?? { x: -1, y: -1 };

  const hover = (e: PointerEvent): void => {
    const item = app.study.current;
    if (!item) return;
    const p = pixel(e);
    const x = Math.floor(p.x);
    const y = Math.floor(p.y);
    if (x < 0 || y < 0 || x >= item.width || y >= item.height) return void (app.cursor = null);
    const i = y * item.width + x;
    const value = item.kind === 'slice' ? `${item.hu[i] ?? 0} HU` : `RGB ${item.rgba[i * 4]}, ${item.rgba[i * 4 + 1]}, ${item.rgba[i * 4 + 2]}`;
    app.cursor = { x, y, value };
  };

  return {
    down(e) {
      const eng = engine();
      if (!eng || !app.study.current) return;
      try {
        (e.currentTarget as HTMLElement).setPointerCapture(e.pointerId);
      } catch {
        /* synthetic events (benchmark) have no capturable pointer */
      }
      last = { x: e.clientX, y: e.clientY };
      const p = pixel(e);
      const tool = app.tools.active;
      if (e.button === 0 && e.shiftKey && app.viewer.layout === 'mpr') app.viewer.setCross(p.x, p.y);
      else if (e.button === 2) drag = 'wl';
      else if (e.button === 1) drag = 'pan';
      else if (tool === 'brush' || tool === 'eraser') {
        drag = tool;
        app.editor.beginStroke(p.x, p.y, tool === 'eraser');
      } else if (tool === 'lasso-add' || tool === 'lasso-subtract') {
        drag = 'lasso';
        points = [[p.x, p.y]];
        lasso(points);
      } else if (tool === 'flood') {
        const v = app.mask.active;
        const item = app.study.current;
        if (!item) return;
        const tolerance = item.kind === 'slice' ? app.tools.fillToleranceHu : app.tools.fillTolerancePhoto;
        let filled = 0;
        app.editor.apply((m) => (filled = floodFillRange(m, intensityOf(item), p.x, p.y, v, tolerance)));
        app.info(`Flood fill: ${filled} pixels within ±${tolerance}${item.kind === 'slice' ? ' HU' : ''} of the seed`);
      } else if (tool === 'pick') void app.editor.pick(p.x, p.y);
      else drag = tool;
    },
    move(e) {
      hover(e);
      if (!drag) return;
      const eng = engine();
      const dx = e.clientX - last.x;
      const dy = e.clientY - last.y;
      last = { x: e.clientX, y: e.clientY };
      if (!eng) return;
      if (drag === 'brush' || drag === 'eraser') {
        const p = pixel(e);
        app.editor.strokeTo(p.x, p.y, drag === 'eraser');
      } else if (drag === 'lasso') {
        const p = pixel(e);
        points.push([p.x, p.y]);
        lasso(points);
      } else if (drag === 'wl') {
        const v = eng.voi();
        // Sensitivity grows with the window so both lung (1500) and brain (80) windows are easy to tune.
        if (v) app.voi = { center: v.center + dy * Math.max(1, v.width / 256), width: Math.max(1, v.width + dx * Math.max(1, v.width / 256)) };
      } else if (drag === 'pan') eng.panBy(dx, dy);
      else if (drag === 'zoom') eng.zoomBy(Math.exp(-dy / 150));
    },
    up() {
      if (drag === 'brush' || drag === 'eraser') app.editor.endStroke();
      if (drag === 'lasso') {
        const value = app.tools.active === 'lasso-subtract' ? 0 : app.mask.active;
        const poly = points;
        app.editor.apply((m) => fillPolygon(m, poly, value));
        points = [];
        lasso(points);
      }
      if (drag === 'wl') app.saveView();
      drag = null;
    },
    wheel(e) {
      e.preventDefault();
      if (e.ctrlKey) engine()?.zoomAt(e.deltaY < 0 ? 1.1 : 1 / 1.1, e.pageX, e.pageY);
      else app.step(e.deltaY > 0 ? 1 : -1);
    },
  };
}
