// The active editing tool and its settings.
export type ToolName = 'wl' | 'pan' | 'zoom' | 'brush' | 'eraser' | 'flood' | 'lasso-add' | 'lasso-subtract' | 'pick';

export const TOOL_LABELS: Record<ToolName, string> = {
  wl: 'Window/level',
  pan: 'Pan',
  zoom: 'Zoom',
  brush: 'Brush',
  eraser: 'Eraser',
  flood: 'Flood fill',
  'lasso-add': 'Lasso add',
  'lasso-subtract': 'Lasso subtract',
  pick: 'Pick cluster',
};

export class ToolState {
  active: ToolName = $state('wl');
  brushSize = $state(12);
  pickWhat: 'cluster' | 'component' = $state('component');
  /** Flood fill takes the connected pixels within this of the seed's value: HU on CT, luminance (0–255) on photos. */
  fillToleranceHu = $state(150);
  fillTolerancePhoto = $state(25);

  grow(): void {
    this.brushSize = Math.min(200, Math.round(this.brushSize * 1.25) + 1);
  }

  shrink(): void {
    this.brushSize = Math.max(1, Math.round(this.brushSize / 1.25) - 1);
  }
}
