// The small part of cornerstone-core 2.x the viewport uses (the package ships no types).
declare module 'cornerstone-core' {
  export interface CsImage {
    imageId: string;
    minPixelValue: number;
    maxPixelValue: number;
    slope: number;
    intercept: number;
    windowCenter: number;
    windowWidth: number;
    getPixelData(): Int16Array | Uint8Array | Uint8ClampedArray;
    rows: number;
    columns: number;
    height: number;
    width: number;
    color: boolean;
    rgba: boolean;
    columnPixelSpacing: number;
    rowPixelSpacing: number;
    invert: boolean;
    sizeInBytes: number;
  }
  export interface CsViewport {
    scale: number;
    translation: { x: number; y: number };
    voi: { windowWidth: number; windowCenter: number };
    invert: boolean;
    pixelReplication: boolean;
    rotation: number;
    hflip: boolean;
    vflip: boolean;
  }
  export interface EnabledElement {
    element: HTMLElement;
    canvas: HTMLCanvasElement;
    image?: CsImage;
    viewport?: CsViewport;
  }
  const cornerstone: {
    enable(element: HTMLElement, options?: Record<string, unknown>): void;
    disable(element: HTMLElement): void;
    displayImage(element: HTMLElement, image: CsImage, viewport?: Partial<CsViewport>): void;
    getViewport(element: HTMLElement): CsViewport | undefined;
    setViewport(element: HTMLElement, viewport: Partial<CsViewport>): void;
    getDefaultViewportForImage(element: HTMLElement, image: CsImage): CsViewport;
    getEnabledElement(element: HTMLElement): EnabledElement;
    pageToPixel(element: HTMLElement, pageX: number, pageY: number): { x: number; y: number };
    pixelToCanvas(element: HTMLElement, pt: { x: number; y: number }): { x: number; y: number };
    setToPixelCoordinateSystem(enabledElement: EnabledElement, context: CanvasRenderingContext2D, scale?: number): void;
    fitToWindow(element: HTMLElement): void;
    reset(element: HTMLElement): void;
    resize(element: HTMLElement, fitViewportToWindow?: boolean): void;
    updateImage(element: HTMLElement, invalidated?: boolean): void;
    draw(element: HTMLElement): void;
    EVENTS: { IMAGE_RENDERED: string };
  };
  export default cornerstone;
}
