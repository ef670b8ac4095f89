// Types for jpeg-lossless-decoder-js (the package ships none for its CommonJS entry).
declare module 'jpeg-lossless-decoder-js' {
  export class Decoder {
    decode(buffer: ArrayBuffer, offset?: number, length?: number, numBytes?: number): Uint8Array | Uint16Array | Int16Array;
  }
}
