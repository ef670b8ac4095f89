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
    const o = this.#overlay;
    if (!o || !o.visible || !enabled.image || enabled.image.width !== o.width || enabled.image.height !== o.height) return;
    cornerstone.setToPixelCoordinateSystem(enabled, ctx);
    ctx.imageSmoothingEnabled = false;
    ctx.globalAlpha = this.#opacity;
    ctx.drawImage(o.canvas, 0, 0);
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
