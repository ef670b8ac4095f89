// Keyboard shortcuts: each key reaches its action; typing into fields and open dialogs are left alone.
import { describe, expect, it } from 'vitest';
import { handleKey } from '../../../renderer/state/keys';
import type { AppState } from '../../../renderer/state/app.svelte';

function fakeApp(): { app: AppState; calls: string[] } {
  const calls: string[] = [];
  const app = {
    helpOpen: false,
    exportOpen: false,
    tools: { active: 'wl', grow: () => calls.push('grow'), shrink: () => calls.push('shrink') },
    mask: { display: 'filled' },
    editor: { undo: () => calls.push('undo'), redo: () => calls.push('redo') },
    decide: async (s: string) => void calls.push(s),
    nextUnreviewed: async () => void calls.push('next'),
    step: (d: number) => calls.push(`step ${d}`),
    choose: async (k: string) => void calls.push(`choose ${k}`),
  };
  return { app: app as unknown as AppState, calls };
}

const key = (k: string, mods: Partial<{ ctrlKey: boolean; shiftKey: boolean; tag: string }> = {}): KeyboardEvent =>
  ({ key: k, ctrlKey: !!mods.ctrlKey, metaKey: false, shiftKey: !!mods.shiftKey, altKey: false, target: { tagName: mods.tag ?? 'DIV' }, preventDefault: () => undefined }) as unknown as KeyboardEvent;

describe('shortcuts', () => {
  it('maps review, navigation, undo/redo and brush keys', () => {
    const { app, calls } = fakeApp();
    for (const e of [key('a'), key('r'), key('n'), key('ArrowDown'), key('ArrowUp'), key('z', { ctrlKey: true }), key('Z', { ctrlKey: true, shiftKey: true }), key(']'), key('['), key('o', { ctrlKey: true })])
      expect(handleKey(app, e)).toBe(true);
    expect(calls).toEqual(['accepted', 'rejected', 'next', 'step 1', 'step -1', 'undo', 'redo', 'grow', 'shrink', 'choose folder']);
    handleKey(app, key('e'));
    expect(app.tools.active).toBe('eraser');
    handleKey(app, key('?'));
    expect(app.helpOpen).toBe(true);
    handleKey(app, key('h'));
    expect(app.mask.display).toBe('outline');
  });

  it('leaves typing in fields and the export dialog alone', () => {
    const { app, calls } = fakeApp();
    expect(handleKey(app, key('a', { tag: 'INPUT' }))).toBe(false);
    app.exportOpen = true;
    expect(handleKey(app, key('r'))).toBe(false);
    expect(handleKey(app, key('Escape'))).toBe(true);
    expect(app.exportOpen).toBe(false);
    expect(calls).toEqual([]);
  });
});
