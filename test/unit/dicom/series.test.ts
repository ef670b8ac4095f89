// loadSeriesForSegmentation (the CLI's `segment` entry point) and synthetic colour layouts no sample file covers.
import { describe, expect, it } from 'vitest';
import { dataPath } from '../../helpers/data.js';
import { forEachSeriesForSegmentation, loadSeriesForSegmentation } from '../../../main/services/dicom/series.js';
import { decodeFrame } from '../../../main/services/dicom/pixels/decode.js';
import { ds, el, encodePart10 } from '../../../main/services/masks/dicom-writer.js';

describe('loadSeriesForSegmentation', () => {
  it('decodes every slice to HU in z order with geometry and source paths; SEG objects are skipped with a reason', async () => {
    const { series, skipped } = await loadSeriesForSegmentation([dataPath('ct/dcmqi-ct3slice')]);
    expect(series).toHaveLength(1);
    const s = series[0]!;
    expect(s.slices.map((x) => x.sourcePath.split('/').pop())).toHaveLength(3);
    const z = s.slices.map((x) => x.geometry.position![2]);
    expect(z).toEqual([...z].sort((a, b) => a - b));
    for (const sl of s.slices) {
      expect(sl.hu).toHaveLength(sl.width * sl.height);
      const air = sl.hu.filter((v) => v < -900).length;
      expect(air).toBeGreaterThan(1000); // air around the patient
    }
    expect(skipped.find((k) => k.path.endsWith('liver_seg.dcm'))?.reason).toMatch(/SEG object/);
  });

  it('forEachSeriesForSegmentation visits the LIDC series one at a time', async () => {
    const counts: number[] = [];
    const { skipped } = await forEachSeriesForSegmentation([dataPath('ct/lidc')], async (s) => {
      counts.push(s.slices.length);
    });
    expect(counts.sort()).toEqual([11, 12, 16]);
    expect(skipped).toHaveLength(2);
  });

  it('JPEG 2000 series: 20 slices, each HU array matching a single-frame decode', async () => {
    const { series } = await loadSeriesForSegmentation([dataPath('dicom/ct-abdomen-j2k-series')]);
    const s = series[0]!;
    expect(s.slices).toHaveLength(20);
    const one = await decodeFrame(s.slices[7]!.sourcePath);
    expect(Buffer.compare(Buffer.from(one.modality!.buffer), Buffer.from(s.slices[7]!.hu.buffer))).toBe(0);
  });
});

describe('RGB planar configurations', () => {
  it('native YBR_FULL_422 (two luma samples per chroma pair) decodes to RGB', async () => {
    // Grey ramp: Cb = Cr = 128 means R = G = B = Y.
    const packed = Uint8Array.from([10, 20, 128, 128, 30, 40, 128, 128, 50, 60, 128, 128, 70, 80, 128, 128]);
    const file = encodePart10(
      [
        el(0x00080016, 'UI', '1.2.840.10008.5.1.4.1.1.7'), el(0x00080018, 'UI', '2.25.422'), el(0x00280002, 'US', [3]),
        el(0x00280004, 'CS', 'YBR_FULL_422'), el(0x00280006, 'US', [0]), el(0x00280010, 'US', [2]), el(0x00280011, 'US', [4]),
        el(0x00280100, 'US', [8]), el(0x00280101, 'US', [8]), el(0x00280102, 'US', [7]), el(0x00280103, 'US', [0]), el(0x7fe00010, 'OB', packed),
      ],
      { sopClassUID: '1.2.840.10008.5.1.4.1.1.7', sopInstanceUID: '2.25.422', implementationUID: '2.25.1' },
    );
    const img = await decodeFrame(file, 0, 'ybr422');
    expect(Array.from(img.rgb!).filter((_, i) => i % 3 === 0)).toEqual([10, 20, 30, 40, 50, 60, 70, 80]);
  });

  function rgbFile(planar: 0 | 1): Uint8Array {
    const w = 4;
    const h = 2;
    const rgb = Array.from({ length: w * h }, (_, i) => [i * 10, 100 + i, 255 - i * 20]);
    const data = planar ? [0, 1, 2].flatMap((c) => rgb.map((p) => p[c]!)) : rgb.flat();
    return encodePart10(
      [
        el(0x00080016, 'UI', '1.2.840.10008.5.1.4.1.1.7'), el(0x00080018, 'UI', `2.25.${planar + 1}`),
        el(0x00280002, 'US', [3]), el(0x00280004, 'CS', 'RGB'), el(0x00280006, 'US', [planar]),
        el(0x00280010, 'US', [h]), el(0x00280011, 'US', [w]), el(0x00280100, 'US', [8]), el(0x00280101, 'US', [8]),
        el(0x00280102, 'US', [7]), el(0x00280103, 'US', [0]), el(0x00280030, 'DS', ds([1, 1])), el(0x7fe00010, 'OB', Uint8Array.from(data)),
      ],
      { sopClassUID: '1.2.840.10008.5.1.4.1.1.7', sopInstanceUID: `2.25.${planar + 1}`, implementationUID: '2.25.1' },
    );
  }

  it('planar (R…G…B…) and interleaved (RGBRGB…) give the same interleaved RGB', async () => {
    const a = await decodeFrame(rgbFile(0), 0, 'interleaved');
    const b = await decodeFrame(rgbFile(1), 0, 'planar');
    expect(Array.from(b.rgb!)).toEqual(Array.from(a.rgb!));
    expect(Array.from(a.rgb!.subarray(3, 6))).toEqual([10, 101, 235]);
  });
});
