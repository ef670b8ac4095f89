// Photographs (dermoscopy): found by extension, decoded to RGBA, masks written as PNG.
import { basename, extname } from 'node:path';
import type { ItemData } from '../../contracts';
import { IpcError } from '../errors';
import { writePhotoMask } from '../../services/masks';
import type { IndexedFiles, ItemSource, StudyProvider } from './types';
import type { Decode } from './decode';
import { PHOTO_EXTENSIONS, photoHeader } from '../../services/images/read';
import { walkFiles } from '../fs/walk';

export { PHOTO_EXTENSIONS } from '../../services/images/read';
/** Ground-truth and exported masks that sit next to photos are not photos to annotate. */
const MASK_NAME = /(_lesion|_segmentation|_mask|\.mask)\.[a-z]+$/i;


export function photoProvider(decode: Decode): Pick<StudyProvider, 'load' | 'exportMasks'> & { index(paths: string[]): Promise<Pick<IndexedFiles, 'photos' | 'sources' | 'skipped'>> } {
  return {
    async index(realPaths) {
      // Unreadable entries and symlink loops are reported by the DICOM indexer's walk of the same folders.
      const files = await walkFiles(realPaths, []);
      const skipped: IndexedFiles['skipped'] = [];
      const photos: IndexedFiles['photos'] = [];
      const sources = new Map<string, ItemSource>();
      for (const path of files) {
        if (!PHOTO_EXTENSIONS.has(extname(path).toLowerCase()) || MASK_NAME.test(path) || path.includes('/masks/')) continue;
        let size: { width: number; height: number };
        try {
          size = await photoHeader(path);
        } catch (err) {
          skipped.push({ path, reason: err instanceof Error ? err.message.replace(`${path}: `, '') : String(err) });
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
