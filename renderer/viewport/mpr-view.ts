// Drawing one reformatted plane: window it, blend the mask, and fit it to its box with true millimetre proportions.
import { gatherPlane, renderPlane, type Plane, type SeriesVolume } from './volume';

export interface Box {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

/** The largest box of the plane's physical proportions (across × slices, in mm) centred in width × height. */
export function fitPlane(across: number, slices: number, mmAcross: number, mmDown: number, width: number, height: number): Box {
  const physW = across * mmAcross;
  const physH = slices * mmDown;
  const s = Math.min(width / physW, height / physH);
  const w = physW * s;
  const h = physH * s;
  return { x: (width - w) / 2, y: (height - h) / 2, w, h };
}

export interface PlaneDraw {
  readonly volume: SeriesVolume;
  readonly plane: Plane;
  readonly index: number;
  readonly masks: ReadonlyArray<Uint8Array | undefined> | null;
  readonly voi: { center: number; width: number };
  readonly colours: ReadonlyMap<number, string>;
  readonly opacity: number;
}

/**
 * Renders the plane into `scratch` (one canvas pixel per voxel); the caller scales it onto the screen. Returns how
 * many mask pixels the plane shows.
 */
export function paintPlane(scratch: HTMLCanvasElement, d: PlaneDraw): number {
  const image = d.volume.reformat(d.plane, d.index);
  const { width, height, depth } = d.volume;
  const masks = d.masks;
  const mask = masks ? gatherPlane((k) => masks[k], width, height, depth, d.plane, d.index, new Uint8Array(image.width * image.height)) : null;
  if (scratch.width !== image.width || scratch.height !== image.height) {
    scratch.width = image.width;
    scratch.height = image.height;
  }
  const ctx = scratch.getContext('2d');
  if (!ctx) return 0;
  const out = ctx.createImageData(image.width, image.height);
  const colours = new Map([...d.colours].map(([v, hex]) => [v, parseInt(hex.slice(1), 16)]));
  renderPlane(image, mask, d.voi, colours, d.opacity, out.data);
  ctx.putImageData(out, 0, 0);
  return mask ? mask.data.reduce((n, v) => n + (v ? 1 : 0), 0) : 0;
}
