// Keyboard shortcuts: one table drives both the key handling and the help overlay.
import type { AppState } from './app.svelte';
import { showNextToCheck } from './review.svelte';

export interface Shortcut {
  readonly keys: string;
  readonly does: string;
  readonly match: (e: KeyboardEvent) => boolean;
  readonly run: (app: AppState, e: KeyboardEvent) => void;
}

const key = (k: string, mods: { ctrl?: boolean; shift?: boolean } = {}) => (e: KeyboardEvent) =>
  e.key.toLowerCase() === k.toLowerCase() && !!mods.ctrl === (e.ctrlKey || e.metaKey) && (mods.shift === undefined || !!mods.shift === e.shiftKey) && !e.altKey;

export const SHORTCUTS: readonly Shortcut[] = [
  { keys: 'A', does: 'Accept and go to the next unreviewed item', match: key('a', { shift: false }), run: (a) => void a.decide('accepted', { next: true }) },
  { keys: 'Shift+A', does: 'Accept and stay', match: key('a', { shift: true }), run: (a) => void a.decide('accepted') },
  { keys: 'R', does: 'Reject this proposal', match: key('r'), run: (a) => void a.decide('rejected') },
  { keys: 'N', does: 'Next unreviewed item', match: key('n'), run: (a) => void a.nextUnreviewed() },
  { keys: 'D', does: 'Next proposal to check, least confident first', match: key('d'), run: (a) => void showNextToCheck(a) },
  { keys: '↑ / ↓, wheel', does: 'Previous / next slice (down goes inferior)', match: (e) => !e.ctrlKey && (e.key === 'ArrowDown' || e.key === 'ArrowRight'), run: (a) => a.step(1) },
  { keys: '', does: '', match: (e) => !e.ctrlKey && (e.key === 'ArrowUp' || e.key === 'ArrowLeft'), run: (a) => a.step(-1) },
  { keys: 'Home / End', does: 'First (most superior) / last slice', match: (e) => e.key === 'Home', run: (a) => a.goTo(0) },
  { keys: '', does: '', match: (e) => e.key === 'End', run: (a) => a.goTo(-1) },
  { keys: 'PageUp / PageDown', does: '10 slices up / down', match: (e) => e.key === 'PageUp', run: (a) => a.step(-10) },
  { keys: '', does: '', match: (e) => e.key === 'PageDown', run: (a) => a.step(10) },
  { keys: '1 – 5, 0', does: 'Window presets (CT: lung, mediastinum, bone, brain, header); 0: auto (min/max)', match: (e) => /^[0-5]$/.test(e.key) && !e.ctrlKey && !e.altKey, run: (a, e) => a.viewer.presetKey(e.key) },
  { keys: 'M', does: 'Axial only / axial + coronal + sagittal (Shift+click sets the crosshair)', match: key('m'), run: (a) => a.viewer.toggleLayout() },
  { keys: 'C', does: "Show S3-Net's cluster map (what Pick works on)", match: key('c'), run: (a) => void a.viewer.toggleClusters() },
  { keys: 'B / E', does: 'Brush / eraser', match: key('b'), run: (a) => (a.tools.active = 'brush') },
  { keys: '', does: '', match: key('e'), run: (a) => (a.tools.active = 'eraser') },
  { keys: '[ / ]', does: 'Smaller / larger brush', match: (e) => e.key === '[', run: (a) => a.tools.shrink() },
  { keys: '', does: '', match: (e) => e.key === ']', run: (a) => a.tools.grow() },
  { keys: 'F', does: 'Flood fill tool', match: key('f'), run: (a) => (a.tools.active = 'flood') },
  { keys: 'L', does: 'Lasso add (Shift+L subtract)', match: key('l', { shift: false }), run: (a) => (a.tools.active = 'lasso-add') },
  { keys: '', does: '', match: key('l', { shift: true }), run: (a) => (a.tools.active = 'lasso-subtract') },
  { keys: 'P', does: 'Pick an S3-Net cluster by clicking', match: key('p'), run: (a) => (a.tools.active = 'pick') },
  { keys: 'W', does: 'Window/level by dragging', match: key('w'), run: (a) => (a.tools.active = 'wl') },
  { keys: 'H', does: 'Cycle mask: filled / outline / hidden', match: key('h'), run: (a) => (a.mask.display = a.mask.display === 'filled' ? 'outline' : a.mask.display === 'outline' ? 'hidden' : 'filled') },
  { keys: 'Ctrl+Z', does: 'Undo', match: key('z', { ctrl: true, shift: false }), run: (a) => a.editor.undo() },
  { keys: 'Ctrl+Shift+Z', does: 'Redo', match: key('z', { ctrl: true, shift: true }), run: (a) => a.editor.redo() },
  { keys: 'Ctrl+O', does: 'Open folder', match: key('o', { ctrl: true, shift: false }), run: (a) => void a.choose('folder') },
  { keys: 'Ctrl+E', does: 'Export masks', match: key('e', { ctrl: true }), run: (a) => (a.exportOpen = true) },
  { keys: '?', does: 'This help', match: (e) => e.key === '?', run: (a) => (a.helpOpen = !a.helpOpen) },
  { keys: 'Esc', does: 'Close dialogs', match: (e) => e.key === 'Escape', run: (a) => ((a.helpOpen = false), (a.exportOpen = false)) },
];

export function handleKey(app: AppState, e: KeyboardEvent): boolean {
  const t = e.target as HTMLElement | null;
  if (t && (t.tagName === 'INPUT' || t.tagName === 'SELECT' || t.tagName === 'TEXTAREA') && e.key !== 'Escape') return false;
  if (app.exportOpen && e.key !== 'Escape') return false;
  const s = SHORTCUTS.find((x) => x.match(e));
  if (!s) return false;
  e.preventDefault();
  s.run(app, e);
  return true;
}
