// The mask model: review workflow on segment metadata, validation, and ISIC naming for photograph masks.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { dataPath } from '../../helpers/data.js';
import { createMaskVolume, markEdited, proposedSegment, validateMaskVolume } from '../../../main/services/masks/model.js';
import { decodeMaskPng, isicMaskName, writePhotoMask } from '../../../main/services/masks/png.js';

const out = mkdtempSync(join(tmpdir(), 's3-model-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('mask model', () => {
  it('a proposal is AUTOMATIC; an edit makes it SEMIAUTOMATIC; MANUAL stays MANUAL', () => {
    const p = proposedSegment(1, 'Lesion');
    expect([p.algorithmType, p.reviewStatus]).toEqual(['AUTOMATIC', 'proposed']);
    expect(markEdited(p).algorithmType).toBe('SEMIAUTOMATIC');
    expect(markEdited(proposedSegment(2, 'Drawn', { algorithmType: 'MANUAL' })).algorithmType).toBe('MANUAL');
    expect(() => proposedSegment(0, 'x')).toThrow(RangeError);
  });

  it('validation catches labels without a segment and wrong slice sizes', () => {
    const v = createMaskVolume(4, 4, 2, [proposedSegment(1, 'A')]);
    expect(() => validateMaskVolume(v)).not.toThrow();
    (v.slices[1] as Uint8Array)[3] = 7;
    expect(() => validateMaskVolume(v)).toThrow(/label 7/);
  });
});

describe('photograph masks', () => {
  it('ISIC naming at native resolution, 0/255, matching the expert mask pixel for pixel', async () => {
    const masks = dataPath('skin/isic2017/masks');
    const maskFile = readdirSync(masks).find((f) => f.endsWith('_segmentation.png'))!;
    const photo = dataPath('skin/isic2017/images', maskFile.replace('_segmentation.png', '.jpg'));
    expect(isicMaskName(photo)).toBe(maskFile);
    const ref = await decodeMaskPng(join(masks, maskFile));
    const meta = await sharp(photo).metadata();
    expect([ref.width, ref.height]).toEqual([meta.width, meta.height]);
    const written = await writePhotoMask(photo, ref.mask, ref.width, ref.height, out);
    expect(written.endsWith(maskFile)).toBe(true);
    const pngMeta = await sharp(written).metadata();
    expect([pngMeta.format, pngMeta.width, pngMeta.height, pngMeta.channels]).toEqual(['png', ref.width, ref.height, 1]);
    const data = await sharp(written).extractChannel(0).raw().toBuffer();
    expect(new Set(data)).toEqual(new Set([0, 255]));
    const back = await decodeMaskPng(written);
    expect(Buffer.compare(Buffer.from(back.mask), Buffer.from(ref.mask))).toBe(0);
    await expect(writePhotoMask(photo, ref.mask, ref.width, ref.height, out)).rejects.toThrow(/already exists/);
  });
});
