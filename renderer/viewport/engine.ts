// The viewport engine: cornerstone-core shows the image (W/L, zoom, pan); a canvas above it shows the mask overlay.
import cornerstone, { type CsImage, type CsViewport } from 'cornerstone-core';
import type { ItemData } from '../../main/contracts';
import { toCornerstoneImage } from './image';
import type { MaskOverlay } from './overlay';

export interface Voi {
  center: number;
  width: number;
}

export class ViewportEngine {
  readonly #element: HTMLElement;
  readonly #canvas: HTMLCanvasElement;
  readonly #images = new Map<string, CsImage>();
  #overlay: MaskOverlay | null = null;
  #clusters: MaskOverlay | null = null;
  #clusterOpacity = 0.5;
  #opacity = 0.45;
  #shownSize = '';
  onRendered: (vp: CsViewport) => void = () => undefined;

  constructor(element: HTMLElement, overlayCanvas: HTMLCanvasElement) {
    this.#element = element;
    this.#canvas = overlayCanvas;
    cornerstone.enable(element);
    element.addEventListener(cornerstone.EVENTS.IMAGE_RENDERED, () => {
      this.drawOverlay();
      const vp = cornerstone.getViewport(element);
      if (vp) this.onRendered(vp);
    });
  }

  /** Shows an item; within a series (same size) zoom, pan and window are kept, as a reader expects when scrolling. */
  show(item: ItemData, voi: Voi | null): void {
    let image = this.#images.get(item.itemId);
    if (!image) {
      image = toCornerstoneImage(item);
      this.#images.set(item.itemId, image);
      if (this.#images.size > 400) this.#images.delete(this.#images.keys().next().value ?? '');
    }
    const size = `${item.kind}:${item.width}x${item.height}`;
    const prev = cornerstone.getViewport(this.#element);
    if (prev && size === this.#shownSize) {
      cornerstone.displayImage(this.#element, image, { ...prev, voi: voi ? { windowCenter: voi.center, windowWidth: voi.width } : prev.voi });
    } else {
      const vp = cornerstone.getDefaultViewportForImage(this.#element, image);
      if (voi) vp.voi = { windowCenter: voi.center, windowWidth: voi.width };
      cornerstone.displayImage(this.#element, image, vp);
    }
    this.#shownSize = size;
  }

  /** S3-Net's cluster map, drawn under the mask (null: none). */
  setClusters(overlay: MaskOverlay | null, opacity: number): void {
    this.#clusters = overlay;
    this.#clusterOpacity = opacity;
    this.drawOverlay();
  }

  setOverlay(overlay: MaskOverlay | null, opacity: number): void {
    this.#overlay = overlay;
    this.#opacity = opacity;
    this.drawOverlay();
  }

  /** Redraws only the overlay canvas (not the image): this is what a brush dab costs. */
  drawOverlay(): void {
    const enabled = cornerstone.getEnabledElement(this.#element);
    const src = enabled.canvas;
    if (this.#canvas.width !== src.width || this.#canvas.height !== src.height) {
      this.#canvas.width = src.width;
      this.#canvas.height = src.height;
    }
    const ctx = this.#canvas.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, this.#canvas.width, this.#canvas.height);
    const image = enabled.image;
    if (!image) return;
    const fits = (o: MaskOverlay | null): o is MaskOverlay => !!o && o.visible && image.width === o.width && image.height === o.height;
    if (!fits(this.#clusters) && !fits(this.#overlay)) return;
    cornerstone.setToPixelCoordinateSystem(enabled, ctx);
    ctx.imageSmoothingEnabled = false;
    for (const [o, alpha] of [[this.#clusters, this.#clusterOpacity], [this.#overlay, this.#opacity]] as const) {
      if (!fits(o)) continue;
      ctx.globalAlpha = alpha;
      ctx.drawImage(o.canvas, 0, 0);
    }
  }

  voi(): Voi | null {
    const vp = cornerstone.getViewport(this.#element);
    return vp ? { center: vp.voi.windowCenter, width: vp.voi.windowWidth } : null;
  }

  setVoi(v: Voi): void {
    const vp = cornerstone.getViewport(this.#element);
    if (vp) cornerstone.setViewport(this.#element, { ...vp, voi: { windowCenter: v.center, windowWidth: Math.max(1, v.width) } });
  }

  zoomBy(factor: number): void {
    const vp = cornerstone.getViewport(this.#element);
    if (vp) cornerstone.setViewport(this.#element, { ...vp, scale: Math.min(40, Math.max(0.05, vp.scale * factor)) });
  }

  /** Zooms keeping the image point under (pageX, pageY) where it is, as Ctrl+wheel does in OHIF and Slicer. */
  zoomAt(factor: number, pageX: number, pageY: number): void {
    const el = this.#element;
    const vp = cornerstone.getViewport(el);
    if (!vp) return;
    const before = cornerstone.pageToPixel(el, pageX, pageY);
    cornerstone.setViewport(el, { ...vp, scale: Math.min(40, Math.max(0.05, vp.scale * factor)) });
    // pageToPixel reads the viewport just set: the point that moved under the pointer tells the shift to undo.
    const after = cornerstone.pageToPixel(el, pageX, pageY);
    const next = cornerstone.getViewport(el) ?? vp;
    cornerstone.setViewport(el, { ...next, translation: { x: next.translation.x + after.x - before.x, y: next.translation.y + after.y - before.y } });
  }

  panBy(dx: number, dy: number): void {
    const vp = cornerstone.getViewport(this.#element);
    if (vp) cornerstone.setViewport(this.#element, { ...vp, translation: { x: vp.translation.x + dx / vp.scale, y: vp.translation.y + dy / vp.scale } });
  }

  fit(): void {
    cornerstone.fitToWindow(this.#element);
  }

  reset(): void {
    cornerstone.reset(this.#element);
  }

  resize(): void {
    cornerstone.resize(this.#element, false);
  }

  /** Page coordinates → image pixel coordinates (fractional). */
  toPixel(pageX: number, pageY: number): { x: number; y: number } {
    return cornerstone.pageToPixel(this.#element, pageX, pageY);
  }

  /** Image pixel coordinates → CSS pixels within the viewport element (for drawing the lasso). */
  toCanvas(x: number, y: number): [number, number] {
    const p = cornerstone.pixelToCanvas(this.#element, { x, y });
    return [p.x, p.y];
  }

  scale(): number {
    return cornerstone.getViewport(this.#element)?.scale ?? 1;
  }

  destroy(): void {
    cornerstone.disable(this.#element);
  }
}
