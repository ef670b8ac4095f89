// Expands the CLI's paths into photographs and DICOM files; ground-truth and output masks found in folders are skipped.
import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { PHOTO_EXTENSIONS } from '../services/images/read';

export interface ExpandedInputs {
  readonly photos: string[];
  readonly dicom: string[];
  readonly errors: { path: string; reason: string }[];
}

const MASK_NAME = /(_lesion|_segmentation|_mask|\.mask|\.labels)\.[a-z]+$/i;

export async function expandInputs(paths: readonly string[]): Promise<ExpandedInputs> {
  const out: ExpandedInputs = { photos: [], dicom: [], errors: [] };
  const visit = async (path: string, explicit: boolean): Promise<void> => {
    let info;
    try {
      info = await stat(path);
    } catch (err) {
      out.errors.push({ path, reason: (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or folder' : (err as Error).message });
      return;
    }
    if (info.isDirectory()) {
      const entries = (await readdir(path)).sort();
      for (const e of entries) if (!e.startsWith('.')) await visit(join(path, e), false);
      return;
    }
    const ext = extname(path).toLowerCase();
    if (PHOTO_EXTENSIONS.has(ext)) {
      // A folder of photos often holds their masks too; named explicitly, a file is always taken.
      if (explicit || !MASK_NAME.test(path)) out.photos.push(path);
    } else if (ext === '.dcm' || ext === '' || explicit) {
      out.dicom.push(path);
    }
  };
  for (const p of paths) await visit(p, true);
  return out;
}
