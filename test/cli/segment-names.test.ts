// Output names for DICOM slices: file names, disambiguated where several series reuse them.
import { describe, expect, it } from 'vitest';
import { sliceOutputNames } from '../../main/cli/commands/segment';
import type { LoadedSeries, LoadedSlice } from '../../main/services/dicom/index';

const slice = (sourcePath: string, frameIndex = 0) => ({ sourcePath, frameIndex }) as unknown as LoadedSlice;
const series = (...slices: LoadedSlice[]) => ({ slices }) as unknown as LoadedSeries;

describe('sliceOutputNames', () => {
  it('keeps file names, adds frames, and prefixes the folder (then the series) only where names would collide', () => {
    const a1 = slice('/study/ct1/000001.dcm'), a2 = slice('/study/ct1/000002.dcm');
    const b1 = slice('/study/ct2/000001.dcm'), c = slice('/study/mf/multi.dcm', 3);
    const d1 = slice('/other/ct1/000001.dcm');
    const names = sliceOutputNames([series(a1, a2), series(b1, c), series(d1)]);
    expect(names.get(a2)).toBe('000002');
    expect(names.get(c)).toBe('multi.frame3');
    expect(names.get(b1)).toBe('ct2_000001');
    // Same folder name in two places: the series number decides.
    expect([names.get(a1), names.get(d1)]).toEqual(['series1_ct1_000001', 'series3_ct1_000001']);
    expect(new Set(names.values()).size).toBe(5);
  });
});
