// Our own sequential Huffman DCT JPEG decoder (ISO 10918-1 baseline and extended, 8- or 12-bit): libjpeg-turbo-8bit cannot do 12.

const ZIGZAG = [
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28, 35,
  42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
];

/** cos((2x+1)uπ/16)·C(u)/2, indexed [x*8+u]: the separable 8-point inverse DCT. */
const IDCT = new Float64Array(64);
for (let x = 0; x < 8; x++) for (let u = 0; u < 8; u++) IDCT[x * 8 + u] = ((u === 0 ? Math.SQRT1_2 : 1) * Math.cos(((2 * x + 1) * u * Math.PI) / 16)) / 2;

interface Huffman {
  /** Lookup by (length, code): maxCode[l] = largest code of length l (or -1), valPtr[l] = index of its first symbol. */
  readonly maxCode: Int32Array;
  readonly minCode: Int32Array;
  readonly valPtr: Int32Array;
  readonly symbols: Uint8Array;
}

interface Component {
  readonly id: number;
  readonly h: number;
  readonly v: number;
  readonly tq: number;
  blocksW: number;
  blocksH: number;
  coeffs: Int32Array | undefined;
  pred: number;
  dc: number;
  ac: number;
}

interface Frame {
  readonly precision: number;
  readonly width: number;
  readonly height: number;
  readonly comps: Component[];
  readonly mcusX: number;
  readonly mcusY: number;
  readonly hmax: number;
  readonly vmax: number;
}

export interface DctJpegImage {
  readonly width: number;
  readonly height: number;
  readonly precision: number;
  readonly components: number;
  /** Interleaved samples, no colour conversion (DICOM says which colour space they are in). */
  readonly samples: Uint16Array;
}

function buildHuffman(counts: Uint8Array, symbols: Uint8Array): Huffman {
  const maxCode = new Int32Array(18).fill(-1);
  const minCode = new Int32Array(17);
  const valPtr = new Int32Array(17);
  let code = 0;
  let k = 0;
  for (let l = 1; l <= 16; l++) {
    const n = counts[l - 1]!;
    valPtr[l] = k;
    minCode[l] = code;
    code += n;
    k += n;
    maxCode[l] = n ? code - 1 : -1;
    code <<= 1;
  }
  return { maxCode, minCode, valPtr, symbols };
}

/** Decodes a JPEG bitstream (SOF0/SOF1). Throws Error on anything malformed; every loop is bounded by the input length. */
export function decodeDctJpeg(data: Uint8Array, maxPixels: number): DctJpegImage {
  let pos = 0;
  const u16 = (): number => {
    if (pos + 2 > data.length) throw new Error('JPEG data ends inside a marker segment');
    const v = (data[pos]! << 8) | data[pos + 1]!;
    pos += 2;
    return v;
  };
  if (u16() !== 0xffd8) throw new Error('not a JPEG stream (no SOI)');
  const qt: Int32Array[] = [];
  const dcTables: Huffman[] = [];
  const acTables: Huffman[] = [];
  let frame: Frame | undefined;
  let restartInterval = 0;
  for (;;) {
    let marker = u16();
    while (marker === 0xffff) marker = 0xff00 | data[pos++]!; // fill bytes
    if (marker === 0xffd9) break;
    const segStart = pos;
    const len = u16();
    const segEnd = segStart + len;
    if (len < 2 || segEnd > data.length) throw new Error('JPEG marker segment runs past the end of the data');
    if (marker === 0xffdb) {
      while (pos < segEnd) {
        const pq = data[pos]! >> 4;
        const tq = data[pos++]! & 3;
        const table = new Int32Array(64);
        for (let i = 0; i < 64; i++) table[ZIGZAG[i]!] = pq ? u16() : data[pos++]!;
        qt[tq] = table;
      }
    } else if (marker === 0xffc4) {
      while (pos < segEnd) {
        const tc = data[pos]! >> 4;
        const th = data[pos++]! & 3;
        const counts = data.subarray(pos, pos + 16);
        pos += 16;
        const total = counts.reduce((a, b) => a + b, 0);
        if (pos + total > segEnd) throw new Error('JPEG Huffman table runs past its segment');
        const table = buildHuffman(counts, data.subarray(pos, pos + total));
        pos += total;
        (tc ? acTables : dcTables)[th] = table;
      }
    } else if (marker === 0xffdd) {
      restartInterval = u16();
    } else if (marker === 0xffc0 || marker === 0xffc1) {
      const precision = data[pos++]!;
      const height = u16();
      const width = u16();
      const n = data[pos++]!;
      if (precision !== 8 && precision !== 12) throw new Error(`JPEG precision ${precision} is not 8 or 12`);
      if (!width || !height || !n || n > 4) throw new Error('JPEG frame header has zero size or bad component count');
      if (width * height * n > maxPixels) throw new Error(`JPEG frame ${width}×${height}×${n} is larger than the DICOM header allows`);
      const comps: Component[] = [];
      for (let i = 0; i < n; i++) {
        const id = data[pos]!;
        const h = data[pos + 1]! >> 4 || 1;
        const v = data[pos + 1]! & 15 || 1;
        comps.push({ id, h, v, tq: data[pos + 2]! & 3, blocksW: 0, blocksH: 0, coeffs: undefined, pred: 0, dc: 0, ac: 0 });
        pos += 3;
      }
      const hmax = Math.max(...comps.map((c) => c.h));
      const vmax = Math.max(...comps.map((c) => c.v));
      const mcusX = Math.ceil(width / (8 * hmax));
      const mcusY = Math.ceil(height / (8 * vmax));
      for (const c of comps) {
        c.blocksW = mcusX * c.h;
        c.blocksH = mcusY * c.v;
        c.coeffs = new Int32Array(c.blocksW * c.blocksH * 64);
      }
      frame = { precision, width, height, comps, mcusX, mcusY, hmax, vmax };
    } else if (marker >= 0xffc2 && marker <= 0xffcf && marker !== 0xffc4 && marker !== 0xffc8 && marker !== 0xffcc) {
      throw new Error(`JPEG process (SOF${marker - 0xffc0}) is not baseline/extended sequential Huffman`);
    } else if (marker === 0xffda) {
      if (!frame) throw new Error('JPEG scan before frame header');
      const ns = data[pos++]!;
      const scomps: Component[] = [];
      for (let i = 0; i < ns; i++) {
        const c = frame.comps.find((x) => x.id === data[pos]);
        if (!c) throw new Error('JPEG scan names an unknown component');
        c.dc = data[pos + 1]! >> 4;
        c.ac = data[pos + 1]! & 15;
        scomps.push(c);
        pos += 2;
      }
      pos = segEnd;
      pos = decodeScan(data, pos, frame, scomps, dcTables, acTables, qt, restartInterval);
      continue;
    }
    pos = segEnd;
  }
  if (!frame) throw new Error('JPEG has no frame header');
  return assemble(frame);
}

function decodeScan(
  data: Uint8Array,
  start: number,
  frame: Frame,
  scomps: Component[],
  dcTables: Huffman[],
  acTables: Huffman[],
  qt: Int32Array[],
  restartInterval: number,
): number {
  let pos = start;
  let bitBuf = 0;
  let bitCount = 0;
  let hitMarker = false;
  const readBit = (): number => {
    if (bitCount === 0) {
      let b = 0;
      if (!hitMarker && pos < data.length) {
        b = data[pos]!;
        if (b === 0xff) {
          const next = data[pos + 1];
          if (next === 0) pos += 2;
          else {
            hitMarker = true; // a marker: feed zeros, like libjpeg, so a short scan ends instead of spinning
            b = 0;
          }
        } else pos++;
      }
      bitBuf = b;
      bitCount = 8;
    }
    bitCount--;
    return (bitBuf >> bitCount) & 1;
  };
  const receive = (n: number): number => {
    let v = 0;
    for (let i = 0; i < n; i++) v = (v << 1) | readBit();
    return v;
  };
  const extend = (v: number, n: number): number => (n === 0 ? 0 : v < 1 << (n - 1) ? v - (1 << n) + 1 : v);
  const decodeSymbol = (t: Huffman): number => {
    let code = readBit();
    for (let l = 1; l <= 16; l++) {
      if (t.maxCode[l]! >= 0 && code <= t.maxCode[l]!) {
        const s = t.symbols[t.valPtr[l]! + code - t.minCode[l]!];
        if (s === undefined) throw new Error('JPEG Huffman code outside its table');
        return s;
      }
      code = (code << 1) | readBit();
    }
    throw new Error('invalid JPEG Huffman code');
  };
  const decodeBlock = (c: Component, blockIndex: number): void => {
    const dct = dcTables[c.dc];
    const act = acTables[c.ac];
    const q = qt[c.tq];
    if (!dct || !act || !q) throw new Error('JPEG scan uses an undefined Huffman or quantisation table');
    const out = c.coeffs!;
    const base = blockIndex * 64;
    const t = decodeSymbol(dct);
    if (t > 16) throw new Error('JPEG DC magnitude out of range');
    c.pred += extend(receive(t), t);
    out[base] = c.pred * q[0]!;
    for (let k = 1; k < 64; ) {
      const rs = decodeSymbol(act);
      const s = rs & 15;
      const r = rs >> 4;
      if (s === 0) {
        if (r !== 15) break;
        k += 16;
        continue;
      }
      k += r;
      if (k > 63) throw new Error('JPEG AC run past the end of a block');
      const z = ZIGZAG[k]!;
      out[base + z] = extend(receive(s), s) * q[z]!;
      k++;
    }
  };
  const single = scomps.length === 1;
  const c0 = scomps[0]!;
  // A non-interleaved scan covers only the component's own blocks, not the MCU padding.
  const singleW = Math.ceil(Math.ceil((frame.width * c0.h) / frame.hmax) / 8);
  const singleH = Math.ceil(Math.ceil((frame.height * c0.v) / frame.vmax) / 8);
  const total = single ? singleW * singleH : frame.mcusX * frame.mcusY;
  for (const c of scomps) c.pred = 0;
  for (let m = 0; m < total; m++) {
    if (restartInterval && m > 0 && m % restartInterval === 0) {
      bitCount = 0;
      hitMarker = false;
      while (pos + 1 < data.length && !(data[pos] === 0xff && data[pos + 1]! >= 0xd0 && data[pos + 1]! <= 0xd7)) pos++;
      pos += 2;
      for (const c of scomps) c.pred = 0;
    }
    if (single) {
      const row = Math.floor(m / singleW);
      const col = m % singleW;
      decodeBlock(c0, row * c0.blocksW + col);
    } else {
      const my = Math.floor(m / frame.mcusX);
      const mx = m % frame.mcusX;
      for (const c of scomps) {
        for (let v = 0; v < c.v; v++) for (let h = 0; h < c.h; h++) decodeBlock(c, (my * c.v + v) * c.blocksW + mx * c.h + h);
      }
    }
  }
  // Resume marker parsing at the next marker after the entropy-coded data.
  while (pos + 1 < data.length && !(data[pos] === 0xff && data[pos + 1] !== 0 && !(data[pos + 1]! >= 0xd0 && data[pos + 1]! <= 0xd7))) pos++;
  return pos;
}

function assemble(frame: Frame): DctJpegImage {
  const { width, height, comps, precision } = frame;
  const n = comps.length;
  const samples = new Uint16Array(width * height * n);
  const maxVal = (1 << precision) - 1;
  const shift = 1 << (precision - 1);
  const block = new Float64Array(64);
  const tmp = new Float64Array(64);
  comps.forEach((c, ci) => {
    const coeffs = c.coeffs!;
    const sx = frame.hmax / c.h;
    const sy = frame.vmax / c.v;
    for (let by = 0; by < c.blocksH; by++) {
      for (let bx = 0; bx < c.blocksW; bx++) {
        const base = (by * c.blocksW + bx) * 64;
        if ((bx * 8 * sx) >= width || (by * 8 * sy) >= height) continue;
        // Rows then columns of the separable IDCT.
        for (let y = 0; y < 8; y++) {
          for (let x = 0; x < 8; x++) {
            let s = 0;
            for (let u = 0; u < 8; u++) s += IDCT[x * 8 + u]! * coeffs[base + y * 8 + u]!;
            tmp[y * 8 + x] = s;
          }
        }
        for (let x = 0; x < 8; x++) {
          for (let y = 0; y < 8; y++) {
            let s = 0;
            for (let v = 0; v < 8; v++) s += IDCT[y * 8 + v]! * tmp[v * 8 + x]!;
            block[y * 8 + x] = s;
          }
        }
        for (let y = 0; y < 8 * sy; y++) {
          const py = by * 8 * sy + y;
          if (py >= height) break;
          for (let x = 0; x < 8 * sx; x++) {
            const px = bx * 8 * sx + x;
            if (px >= width) break;
            const v = Math.round(block[Math.floor(y / sy) * 8 + Math.floor(x / sx)]! + shift);
            samples[(py * width + px) * n + ci] = v < 0 ? 0 : v > maxVal ? maxVal : v;
          }
        }
      }
    }
  });
  return { width, height, precision, components: n, samples };
}
