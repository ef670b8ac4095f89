// The mask overlay: an RGBA picture of the mask kept in step with edits (dirty rectangles only), drawn over the image.
export type DisplayMode = 'filled' | 'outline' | 'hidden';
export interface Rect {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export class MaskOverlay {
  readonly canvas: HTMLCanvasElement;
  #ctx: CanvasRenderingContext2D;
  #image: ImageData;
  #palette = new Uint32Array(256);
  #mode: DisplayMode = 'filled';
  #hatched = false;
  #mask: Uint8Array;

  constructor(
    readonly width: number,
    readonly height: number,
    mask: Uint8Array,
  ) {
    this.canvas = document.createElement('canvas');
    this.canvas.width = width;
    this.canvas.height = height;
    const ctx = this.canvas.getContext('2d');
    if (!ctx) throw new Error('no 2D canvas');
    this.#ctx = ctx;
    this.#image = ctx.createImageData(width, height);
    this.#mask = mask;
  }

  /** colours: CSS hex per segment value (index 1..). hatched: diagonal stripes only (a rejected proposal). */
  setStyle(colours: ReadonlyMap<number, string>, mode: DisplayMode, hatched = false): void {
    this.#hatched = hatched;
    this.#palette.fill(0);
    for (const [value, hex] of colours) {
      const n = parseInt(hex.slice(1), 16);
      // ImageData is RGBA in memory; little-endian Uint32 writes it as ABGR.
      this.#palette[value] = (0xff << 24) | ((n & 0xff) << 16) | (n & 0xff00) | ((n >> 16) & 0xff);
    }
    this.#mode = mode;
    this.update({ x0: 0, y0: 0, x1: this.width - 1, y1: this.height - 1 });
  }

  setMask(mask: Uint8Array): void {
    this.#mask = mask;
    this.update({ x0: 0, y0: 0, x1: this.width - 1, y1: this.height - 1 });
  }

  /** Recolours the rectangle (grown by two pixels, since outlines depend on neighbours) and uploads it. */
  update(r: Rect): void {
    const w = this.width;
    const h = this.height;
    const x0 = Math.max(0, r.x0 - 2);
    const y0 = Math.max(0, r.y0 - 2);
    const x1 = Math.min(w - 1, r.x1 + 2);
    const y1 = Math.min(h - 1, r.y1 + 2);
    const px = new Uint32Array(this.#image.data.buffer);
    const m = this.#mask;
    const outline = this.#mode === 'outline';
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        const i = y * w + x;
        const v = m[i] ?? 0;
        let c = v ? (this.#palette[v] ?? 0) : 0;
        if (c && outline) {
          // A two-pixel band inside the boundary: one native pixel is too thin to see on a fitted photo.
          const edge =
            x < 2 || y < 2 || x >= w - 2 || y >= h - 2 ||
            m[i - 1] !== v || m[i + 1] !== v || m[i - w] !== v || m[i + w] !== v ||
            m[i - 2] !== v || m[i + 2] !== v || m[i - 2 * w] !== v || m[i + 2 * w] !== v;
          if (!edge) c = 0;
        }
        if (c && this.#hatched && (x + y) % 8 > 2) c = 0;
        px[i] = c;
      }
    }
    this.#ctx.putImageData(this.#image, 0, 0, x0, y0, x1 - x0 + 1, y1 - y0 + 1);
  }

  get visible(): boolean {
    return this.#mode !== 'hidden';
  }
}
