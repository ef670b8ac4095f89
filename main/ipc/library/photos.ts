// Photographs (dermoscopy): found by extension, decoded to RGBA, masks written as PNG.
import { readFile, readdir, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import sharp from 'sharp';
import type { ItemData } from '../../contracts';
import { IpcError } from '../handler';
import { writePhotoMask } from '../../services/masks';
import type { IndexedFiles, ItemSource, StudyProvider } from './types';
import type { Decode } from './decode';
import { PHOTO_EXTENSIONS } from '../../services/images/read';

export { PHOTO_EXTENSIONS } from '../../services/images/read';
/** Ground-truth and exported masks that sit next to photos are not photos to annotate. */
const MASK_NAME = /(_lesion|_segmentation|_mask|\.mask)\.[a-z]+$/i;

async function walk(path: string, out: string[]): Promise<void> {
  const s = await stat(path);
  if (s.isDirectory()) for (const name of (await readdir(path)).sort()) await walk(join(path, name), out);
  else out.push(path);
}

export function photoProvider(decode: Decode): Pick<StudyProvider, 'load' | 'exportMasks'> & { index(paths: string[]): Promise<Pick<IndexedFiles, 'photos' | 'sources' | 'skipped'>> } {
  return {
    async index(realPaths) {
      const files: string[] = [];
      for (const p of realPaths) await walk(p, files);
      const photos: IndexedFiles['photos'] = [];
      const sources = new Map<string, ItemSource>();
      const skipped: IndexedFiles['skipped'] = [];
      for (const path of files) {
        if (!PHOTO_EXTENSIONS.has(extname(path).toLowerCase()) || MASK_NAME.test(path) || path.includes('/masks/')) continue;
        // An unreadable photo is listed with the reason, never dropped without a word.
        const size = await photoSize(path).catch((err: unknown) => {
          skipped.push({ path, reason: `cannot read this image: ${err instanceof Error ? err.message : String(err)}` });
          return null;
        });
        if (!size) continue;
        if (!(size.width > 0 && size.height > 0)) {
          skipped.push({ path, reason: 'the image has no size in its header' });
          continue;
        }
        photos.push({ itemId: path, kind: 'photo', label: basename(path), position: null, ...size });
        sources.set(path, { kind: 'photo', path });
      }
      return { photos, sources, skipped };
    },

    async load(source, itemId, priority): Promise<ItemData> {
      const { width, height, rgba } = await decode({ kind: 'photo', path: source.path }, priority);
      return { kind: 'photo', itemId, width, height, rgba };
    },

    async exportMasks(format, items, destination, overwrite) {
      if (format !== 'png') throw new IpcError('invalid', 'photographs are exported as PNG');
      const written: string[] = [];
      for (const it of items) written.push(await writePhotoMask(it.source.path, it.mask, it.width, it.height, destination, { overwrite }));
      return written;
    },
  };
}

async function photoSize(path: string): Promise<{ width: number; height: number }> {
  if (extname(path).toLowerCase() === '.bmp') {
    const h = new DataView((await readFile(path)).buffer);
    return { width: h.getInt32(18, true), height: Math.abs(h.getInt32(22, true)) };
  }
  const m = await sharp(path).metadata();
  return { width: m.width ?? 0, height: m.height ?? 0 };
}
