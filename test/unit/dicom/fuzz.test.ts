// Fuzzing: ≥10,000 mutations of real files (bit flips, truncation, huge lengths, garbage) through parse, index and decode.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { dataPath } from '../../helpers/data.js';
import { parseDicomBytes } from '../../../main/services/dicom/parse.js';
import { readInstanceMeta } from '../../../main/services/dicom/metadata.js';
import { decodeFrame } from '../../../main/services/dicom/pixels/decode.js';
import { DicomError } from '../../../main/services/dicom/errors.js';
import { indexPaths } from '../../../main/services/dicom/indexer.js';
import { mulberry32 } from '../../../model/random';

const SEEDS = [
  'dicom/pydicom/MR_small_implicit.dcm',
  'dicom/pydicom/MR_small_bigendian.dcm',
  'dicom/pydicom/MR_small_RLE.dcm',
  'dicom/pydicom/MR_small_jp2klossless.dcm',
  'dicom/pydicom/MR_small_jpeg_ls_lossless.dcm',
  'dicom/pydicom/image_dfl.dcm',
  'dicom/pydicom/SC_rgb_jpeg_dcmtk.dcm',
  'dicom/pydicom/JPGExtended.dcm',
  'dicom/pydicom/CT_small.dcm',
  'dicom/pydicom-data/emri_small_RLE.dcm',
  'dicom/pydicom-data/liver.dcm',
  'dicom/pydicom-data/JPEG-LL.dcm',
].map((p) => ({ name: p, bytes: readFileSync(dataPath(p)) }));

const CASES = 10_000;
const MAX_MS_PER_CASE = 2_000;

/** A seeded PRNG (the engine's mulberry32) so a failing case can be replayed from its index. */
const rng = mulberry32;

function mutate(src: Uint8Array, r: () => number): { bytes: Uint8Array; kind: string } {
  const bytes = new Uint8Array(src);
  const pick = (n: number): number => Math.floor(r() * n);
  const kind = pick(5);
  if (kind === 0) {
    for (let i = 0, n = 1 + pick(16); i < n; i++) bytes[pick(bytes.length)]! ^= 1 << pick(8);
    return { bytes, kind: 'bitflip' };
  }
  if (kind === 1) return { bytes: bytes.subarray(0, pick(bytes.length)), kind: 'truncate' };
  if (kind === 2) {
    // Huge length: overwrite 4 bytes right after a tag-like position with a large value.
    const at = 132 + pick(Math.max(1, bytes.length - 140));
    const view = new DataView(bytes.buffer);
    view.setUint32(at, [0xffffffff, 0xfffffff0, 0x7fffffff, 0x10000000 + pick(1 << 28)][pick(4)]!, true);
    return { bytes, kind: 'hugelength' };
  }
  if (kind === 3) {
    // Header fields that size allocations: Rows/Columns/NumberOfFrames-like 16-bit values set to extremes.
    const view = new DataView(bytes.buffer);
    for (let i = 0, n = 1 + pick(4); i < n; i++) view.setUint16(pick(bytes.length - 2), [0, 1, 0xffff, 0x8000][pick(4)]!, true);
    return { bytes, kind: 'extremes' };
  }
  const start = pick(bytes.length);
  for (let i = start, n = Math.min(bytes.length, start + 1 + pick(512)); i < n; i++) bytes[i] = pick(256);
  return { bytes, kind: 'garbage' };
}

describe('fuzz', () => {
  it(`${CASES} mutated files: only DicomErrors, bounded time, bounded memory`, async () => {
    const r = rng(20261127);
    const outcomes: Record<string, number> = { ok: 0, error: 0 };
    let worstMs = 0;
    let worstMemory = 0;
    const baseMemory = process.memoryUsage().arrayBuffers;
    for (let c = 0; c < CASES; c++) {
      const seed = SEEDS[c % SEEDS.length]!;
      const { bytes, kind } = mutate(seed.bytes, r);
      const label = `case ${c} (${kind} of ${seed.name})`;
      const t0 = performance.now();
      try {
        const parsed = parseDicomBytes(bytes, label, { metadataOnly: c % 2 === 0 });
        readInstanceMeta(parsed.dataSet, label, parsed.transferSyntax);
        await decodeFrame(bytes, 0, label);
        outcomes.ok!++;
      } catch (err) {
        if (!(err instanceof DicomError)) throw new Error(`${label}: escaped as ${String(err)}`);
        expect(err.path).toBe(label);
        outcomes.error!++;
      }
      worstMs = Math.max(worstMs, performance.now() - t0);
      if (c % 10 === 0) worstMemory = Math.max(worstMemory, process.memoryUsage().arrayBuffers - baseMemory);
    }
    expect(outcomes.ok! + outcomes.error!).toBe(CASES);
    expect(outcomes.ok).toBeGreaterThan(100); // mutations that leave the file decodable still decode
    expect(worstMs).toBeLessThan(MAX_MS_PER_CASE);
    // The largest seed decodes to 0.5 MB; what remains is garbage not yet collected and the codecs' WebAssembly
    // heaps (~40 MiB measured). A forged 4 GB length or 65535×65535 header would blow far past this.
    expect(worstMemory).toBeLessThan(128 * 1024 * 1024);
    console.info(`fuzz: ${CASES} cases, ${outcomes.ok} decoded, ${outcomes.error} rejected, worst ${worstMs.toFixed(0)} ms, peak extra ArrayBuffer memory ${(worstMemory / 2 ** 20).toFixed(1)} MiB`);
  }, 120_000);

  it('a forged Number of Frames is refused by the indexer before any per-frame work', async () => {
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const src = readFileSync(dataPath('dicom/pydicom-data/emri_small_RLE.dcm'));
    const parsed = parseDicomBytes(src, 'x');
    const el = parsed.dataSet.elements['x00280008']!;
    // Splice a longer value in (explicit VR: 2-byte length just before the value).
    const value = Buffer.from('99999999', 'latin1');
    const length = Buffer.alloc(2);
    length.writeUInt16LE(value.length);
    const forged = Buffer.concat([src.subarray(0, el.dataOffset - 2), length, value, src.subarray(el.dataOffset + el.length)]);
    const dir = mkdtempSync(join(tmpdir(), 's3-frames-'));
    try {
      writeFileSync(join(dir, 'forged.dcm'), forged);
      const t = performance.now();
      const idx = await indexPaths([dir]);
      expect(performance.now() - t).toBeLessThan(1000);
      expect(idx.series).toHaveLength(0);
      expect(idx.skipped[0]!.reason).toMatch(/cannot fit/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('huge Rows×Columns on a compressed frame is refused before any allocation', async () => {
    const bytes = new Uint8Array(readFileSync(dataPath('dicom/pydicom/MR_small_RLE.dcm')));
    const parsed = parseDicomBytes(bytes, 'x');
    for (const tag of ['x00280010', 'x00280011']) {
      const el = parsed.dataSet.elements[tag]!;
      new DataView(bytes.buffer).setUint16(el.dataOffset, 0xffff, true);
    }
    await expect(decodeFrame(bytes, 0, 'forged')).rejects.toThrow(/forged: .*(refusing|exceeds|per-frame limit: refused before decoding)/);
  });
});
