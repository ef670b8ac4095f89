// DICOM RLE Lossless (PS3.5 Annex G): segments of PackBits, most significant byte first, back to little-endian samples.

/**
 * Decodes one RLE frame into interleaved little-endian samples (rows*columns*samples*bytesPerSample bytes).
 * Every read and write is bounds-checked: a corrupt header or run can end the frame early, never read outside it.
 */
export function decodeRle(data: Uint8Array, rows: number, columns: number, samplesPerPixel: number, bitsAllocated: number): Uint8Array {
  if (data.length < 64) throw new Error('RLE frame shorter than its 64-byte header');
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const segments = view.getUint32(0, true);
  const bytesPerSample = bitsAllocated / 8;
  if (!Number.isInteger(bytesPerSample)) throw new Error(`RLE with Bits Allocated ${bitsAllocated} is not supported`);
  const expected = samplesPerPixel * bytesPerSample;
  if (segments !== expected) throw new Error(`RLE header lists ${segments} segments, ${expected} expected`);
  const pixels = rows * columns;
  const out = new Uint8Array(pixels * expected);
  for (let s = 0; s < segments; s++) {
    const start = view.getUint32(4 + 4 * s, true);
    const end = s + 1 < segments ? view.getUint32(8 + 4 * s, true) : data.length;
    if (start < 64 || start > data.length || end > data.length || end < start) throw new Error(`RLE segment ${s + 1} offset out of range`);
    // Segment s holds byte (bytesPerSample-1 - s%bytesPerSample) of sample floor(s/bytesPerSample), for every pixel.
    const sample = Math.floor(s / bytesPerSample);
    const byteInSample = bytesPerSample - 1 - (s % bytesPerSample);
    const stride = expected;
    let o = sample * bytesPerSample + byteInSample;
    let written = 0;
    let i = start;
    while (i < end && written < pixels) {
      const n = (data[i++]! << 24) >> 24;
      if (n >= 0) {
        const count = Math.min(n + 1, pixels - written, end - i);
        for (let k = 0; k < count; k++, o += stride) out[o] = data[i++]!;
        written += count;
      } else if (n !== -128) {
        if (i >= end) break;
        const value = data[i++]!;
        const count = Math.min(1 - n, pixels - written);
        for (let k = 0; k < count; k++, o += stride) out[o] = value;
        written += count;
      }
    }
    if (written < pixels) throw new Error(`RLE segment ${s + 1} ends after ${written} of ${pixels} pixels`);
  }
  return out;
}
