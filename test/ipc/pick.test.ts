// One click on a CT slice: inside the proposed lungs it picks that lung as the proposal outlines it; elsewhere the
// cluster's component. Real slice from the bundled LIDC-IDRI sample; labels quantised from HU (no training).
import { describe, expect, it } from 'vitest';
import { pickMask } from '../../main/services/library/labels';
import { loadSeriesForSegmentation } from '../../main/services/dicom/index';
import { connectedComponents, lungTarget, poolToSize } from '../../model/postprocess';
import type { ItemData } from '../../main/contracts';

describe('pickMask on a CT slice', () => {
  it('a click in a lung gives that lung of the proposal; a click on tissue gives the tissue component', async () => {
    const { series } = await loadSeriesForSegmentation(['assets/samples/LIDC-IDRI-0001/-115.000000.dcm']);
    const slice = series[0]?.slices[0];
    if (!slice) throw new Error('sample slice missing');
    const { width, height, hu } = slice;
    const size = 128;
    // Three clusters as S3-Net ends with on CT: outside air / padding, lung, tissue.
    const labels = Uint8Array.from(poolToSize(width, height, size, (i) => hu[i] as number), (h) => (h < -900 ? 0 : h < -400 ? 1 : 2));
    const item = { kind: 'slice', width, height, hu } as unknown as ItemData;
    const image = { width, height, data: new Float32Array(width * height * 3) };
    const lungs = lungTarget(labels, size, hu, width, height);
    const comps = connectedComponents(lungs.mask, width, height);
    expect(comps.count).toBeGreaterThanOrEqual(2);
    // A pixel deep inside the largest lung component.
    let largest = 1;
    for (let c = 2; c <= comps.count; c++) if ((comps.sizes[c] as number) > (comps.sizes[largest] as number)) largest = c;
    let at = -1;
    comps.ids.forEach((id, i) => { if (id === largest && at < 0 && i > width * height * 0.4) at = i; });
    const x = at % width, y = Math.floor(at / width);
    const picked = pickMask(labels, size, item, image, x, y, 'component');
    const area = picked.reduce((a, v) => a + v, 0);
    expect(area).toBe(comps.sizes[largest]);
    picked.forEach((v, i) => v && expect(comps.ids[i]).toBe(largest));
    // Below the centre lies mediastinal tissue: its cluster's component there, with its holes filled, is the body
    // (it surrounds the lungs), not a lung.
    const cx = width / 2, cy = height / 2 + 20;
    expect(hu[cy * width + cx]).toBeGreaterThan(-400);
    const tissue = pickMask(labels, size, item, image, cx, cy, 'component');
    expect(tissue[cy * width + cx]).toBe(1);
    expect(tissue.reduce((a, v) => a + v, 0)).toBeGreaterThan(2 * area);
  });
});
