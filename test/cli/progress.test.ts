// The progress bar: drawn on a terminal only, one line per refresh, cleared when every input is done.
import { describe, expect, it } from 'vitest';
import { progressDisplay } from '../../main/cli/progress';
import type { TrainProgress } from '../../model/types';

function stream(isTTY: boolean): { s: NodeJS.WriteStream; text: () => string } {
  let text = '';
  const s = { isTTY, columns: 200, write: (t: string) => ((text += t), true) } as unknown as NodeJS.WriteStream;
  return { s, text: () => text };
}
const step = (iteration: number): TrainProgress => ({ iteration, maxIterations: 50, loss: 3.25, selfLabel: 3, consistency: 0.1, spatial: 0, labels: 7, elapsedMs: 900 });

describe('progressDisplay', () => {
  it('draws the bar, the running inputs and clears the line at the end on a terminal', () => {
    const t = stream(true);
    const p = progressDisplay(t.s, 2);
    p.update('IMD002', step(1));
    expect(t.text()).toContain('[....................] 0/2  IMD002: it 1/50 loss 3.25 labels 7');
    p.done('IMD002');
    expect(t.text()).toMatch(/\[#{10}\.{10}\] 1\/2\s*$/);
    p.update('IMD003', step(4));
    p.done('IMD003');
    expect(t.text().endsWith('\r\x1b[K')).toBe(true);
  });

  it('writes nothing when stderr is not a terminal (pipes, CI logs, --json consumers)', () => {
    const t = stream(false);
    const p = progressDisplay(t.s, 1);
    p.update('x', step(1));
    p.done('x');
    expect(t.text()).toBe('');
  });
});
