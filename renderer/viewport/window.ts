// Window presets for the viewer: the item's own (CT's named presets, the header's) and "auto", the slice's min/max.
import type { ItemData, WindowPreset } from '../../main/contracts';
import type { Voi } from './engine';

type Slice = Extract<ItemData, { kind: 'slice' }>;

/** The full range of the slice's values: what "auto" shows (and what non-CT images without a header window get). */
export function autoWindow(values: ArrayLike<number>): Voi {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] ?? 0;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (!Number.isFinite(min)) return { center: 0, width: 1 };
  const width = Math.max(1, max - min);
  return { center: min + width / 2, width };
}

/** The window a series opens in: its first preset (CT: lung; others: the header's), else auto. */
export function initialWindow(item: Slice): Voi {
  const p = item.presets[0];
  return p ? { center: p.center, width: p.width } : autoWindow(item.hu);
}

/** Preset by key: "1"–"5" pick the item's presets in order, "0" auto; null when the key names none. */
export function presetForKey(item: Slice, key: string): WindowPreset | null {
  if (key === '0') return { name: 'Auto', ...autoWindow(item.hu) };
  const n = Number(key);
  if (!Number.isInteger(n) || n < 1 || n > 5) return null;
  return item.presets[n - 1] ?? null;
}
