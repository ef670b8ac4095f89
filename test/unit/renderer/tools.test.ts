// Editing tools on mask buffers: brush, eraser, fills, polygon, and diffs that undo exactly.
import { describe, expect, it } from 'vitest';
import { EditRecorder } from '../../../renderer/tools/writer';
import { paintDisc, paintSegment } from '../../../renderer/tools/brush';
import { clearMask, fillHoles, floodFill } from '../../../renderer/tools/fill';
import { fillPolygon } from '../../../renderer/tools/polygon';

const count = (a: Uint8Array, v = 1): number => a.reduce((n, x) => n + (x === v ? 1 : 0), 0);

describe('brush and eraser', () => {
  it('paints a disc of about πr² pixels and erases it back', () => {
    const data = new Uint8Array(64 * 64);
    const rec = new EditRecorder(64, 64, data);
    paintDisc(rec, 32, 32, 10, 1);
    expect(count(data)).toBeGreaterThan(Math.PI * 100 * 0.9);
    expect(count(data)).toBeLessThan(Math.PI * 100 * 1.1);
    paintDisc(rec, 32, 32, 10, 0);
    expect(count(data)).toBe(0);
    expect(rec.finish().indices.length).toBe(0);
  });

  it('leaves no gaps on a fast stroke and clips at the border', () => {
    const data = new Uint8Array(100 * 20);
    const rec = new EditRecorder(100, 20, data);
    paintSegment(rec, -5, 10, 120, 10, 3, 2);
    for (let x = 0; x < 100; x++) expect(data[10 * 100 + x]).toBe(2);
  });
});

describe('diffs', () => {
  it('records only changed pixels with before/after values', () => {
    const data = new Uint8Array(10 * 10);
    data[0] = 1;
    const rec = new EditRecorder(10, 10, data);
    paintDisc(rec, 0.5, 0.5, 1.2, 1);
    const d = rec.finish();
    expect([...d.indices]).not.toContain(0);
    expect([...d.before].every((v) => v === 0)).toBe(true);
    expect([...d.after].every((v) => v === 1)).toBe(true);
  });
});

describe('fills', () => {
  it('flood fill stays inside a closed ring; fill holes fills the ring', () => {
    const w = 30;
    const data = new Uint8Array(w * w);
    const rec = new EditRecorder(w, w, data);
    for (let a = 0; a < 720; a++) paintDisc(rec, 15 + 10 * Math.cos((a * Math.PI) / 360), 15 + 10 * Math.sin((a * Math.PI) / 360), 1.2, 1);
    const ring = count(data);
    floodFill(new EditRecorder(w, w, data.slice()), 15, 15, 1);
    const filled = data.slice();
    floodFill(new EditRecorder(w, w, filled), 15, 15, 1);
    expect(filled[0]).toBe(0);
    expect(count(filled)).toBeGreaterThan(ring + 150);
    const holes = data.slice();
    fillHoles(new EditRecorder(w, w, holes), 1);
    expect(count(holes)).toBe(count(filled));
    clearMask(new EditRecorder(w, w, holes));
    expect(count(holes)).toBe(0);
  });

  it('fills a polygon (square) with exact area and subtracts with 0', () => {
    const data = new Uint8Array(50 * 50);
    fillPolygon(new EditRecorder(50, 50, data), [[10, 10], [30, 10], [30, 30], [10, 30]], 1);
    expect(count(data)).toBe(400);
    fillPolygon(new EditRecorder(50, 50, data), [[10, 10], [20, 10], [20, 30], [10, 30]], 0);
    expect(count(data)).toBe(200);
  });
});
