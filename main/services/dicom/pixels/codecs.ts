// The maintained WebAssembly/JS codecs (OpenJPEG, CharLS, libjpeg-turbo, jpeg-lossless-decoder-js), loaded once, lazily.
import { createRequire } from 'node:module';
import { Decoder as LosslessJpegDecoder } from 'jpeg-lossless-decoder-js';

const require = createRequire(import.meta.url);

interface FrameInfo {
  width: number;
  height: number;
  bitsPerSample: number;
  componentCount: number;
  isSigned: boolean;
}

/** The shape shared by the cornerstone codec decoders (embind objects: must be deleted). */
interface WasmDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  getDecodedBuffer(): Uint8Array;
  decode(): void;
  getFrameInfo(): FrameInfo;
  delete(): void;
}

type DecoderName = 'J2KDecoder' | 'JpegLSDecoder' | 'JPEGDecoder';
type CodecModule = Record<DecoderName, new () => WasmDecoder>;

const MODULES: Record<DecoderName, string> = {
  J2KDecoder: '@cornerstonejs/codec-openjpeg/decodewasmjs',
  JpegLSDecoder: '@cornerstonejs/codec-charls/decodewasmjs',
  JPEGDecoder: '@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs',
};

const loaded = new Map<DecoderName, Promise<CodecModule>>();

function loadModule(name: DecoderName): Promise<CodecModule> {
  let p = loaded.get(name);
  if (!p) {
    const factory = require(MODULES[name]) as (config: { print: () => void; printErr: () => void }) => Promise<CodecModule>;
    // Emscripten prints progress ("[INFO] …") to stdout unless told otherwise; services never print.
    p = factory({ print: () => undefined, printErr: () => undefined });
    loaded.set(name, p);
  }
  return p;
}

export interface CodecOutput {
  readonly width: number;
  readonly height: number;
  readonly bitsPerSample: number;
  readonly components: number;
  readonly signed: boolean;
  /** Raw little-endian samples, interleaved for colour. A copy: the WebAssembly heap is reused. */
  readonly bytes: Uint8Array;
}

/**
 * Decodes one compressed frame. maxOutputBytes stops a forged header from making the codec's output size
 * (width × height × components) drive our copy; the codecs themselves check their own header sizes.
 */
/**
 * A fresh decoder per frame, deleted afterwards. Reusing one saves ~5 ms on a 512×512 CT but the fuzz test showed
 * corrupt streams then "decode" from the previous frame's state instead of failing, so correctness wins.
 */
export async function decodeWithWasm(name: DecoderName, data: Uint8Array, maxOutputBytes: number): Promise<CodecOutput> {
  const mod = await loadModule(name);
  const decoder = new mod[name]();
  try {
    decoder.getEncodedBuffer(data.length).set(data);
    decoder.decode();
    const info = decoder.getFrameInfo();
    const decoded = decoder.getDecodedBuffer();
    if (decoded.length > maxOutputBytes) throw new Error(`decoded frame (${decoded.length} bytes) is larger than the header allows`);
    return {
      width: info.width,
      height: info.height,
      bitsPerSample: info.bitsPerSample,
      components: info.componentCount,
      signed: info.isSigned,
      bytes: new Uint8Array(decoded),
    };
  } catch (err) {
    // Emscripten throws numbers (C++ exception pointers) or strings: make them readable.
    throw err instanceof Error ? err : new Error(`${name} failed (${String(err)})`);
  } finally {
    decoder.delete();
  }
}

/** JPEG lossless (processes 14 and 14 SV1), pure JS. Returns samples as 8- or 16-bit unsigned values. */
export function decodeJpegLossless(data: Uint8Array, bytesPerSample: number): Uint8Array | Uint16Array | Int16Array {
  const decoder = new LosslessJpegDecoder();
  // The decoder reads one byte past the last code before it emits the final pixel, so a stream whose last code
  // ends right at EOI loses its last pixel (seen on the SV1 CT slice). Two zero bytes before EOI give it that byte.
  let end = data.length;
  while (end > 2 && !(data[end - 2] === 0xff && data[end - 1] === 0xd9)) end--;
  const body = end > 2 ? data.subarray(0, end - 2) : data;
  const copy = new Uint8Array(body.length + 4);
  copy.set(body);
  copy.set([0, 0, 0xff, 0xd9], body.length);
  const out = decoder.decode(copy.buffer, 0, copy.byteLength, bytesPerSample);
  if (out instanceof Uint8Array || out instanceof Uint16Array || out instanceof Int16Array) return out;
  throw new Error('JPEG lossless decoder returned an unexpected sample type');
}
