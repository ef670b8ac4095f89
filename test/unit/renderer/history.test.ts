// Undo/redo stores diffs; 200 brush strokes on a 512×512 slice stay far below 20 MB.
import { describe, expect, it } from 'vitest';
import { UndoHistory } from '../../../renderer/state/history';
import { EditRecorder } from '../../../renderer/tools/writer';
import { paintSegment } from '../../../renderer/tools/brush';

describe('UndoHistory', () => {
  it('undoes and redoes strokes exactly, and holds little memory', () => {
    const size = 512;
    const data = new Uint8Array(size * size);
    const h = new UndoHistory();
    const snapshots: Uint8Array[] = [data.slice()];
    for (let s = 0; s < 200; s++) {
      const rec = new EditRecorder(size, size, data);
      const y = 20 + ((s * 7) % 470);
      paintSegment(rec, 10, y, 500, y + ((s * 13) % 40), 8, s % 5 === 4 ? 0 : 1);
      const diff = rec.finish();
      // An eraser stroke over nothing changes nothing and is not an undo step.
      if (diff.indices.length === 0) continue;
      h.push(diff);
      snapshots.push(data.slice());
    }
    expect(h.bytes).toBeLessThan(20 * 1024 * 1024);
    const n = snapshots.length - 1;
    expect(n).toBeGreaterThan(150);
    for (let s = n; s > n - 50; s--) {
      expect(h.undo(data)).not.toBeNull();
      expect(Buffer.compare(data, snapshots[s - 1] ?? new Uint8Array())).toBe(0);
    }
    for (let s = n - 49; s <= n - 40; s++) {
      h.redo(data);
      expect(Buffer.compare(data, snapshots[s] ?? new Uint8Array())).toBe(0);
    }
    expect(h.canUndo).toBe(true);
  });
});
