// Atomic, non-clobbering file writes: temp file in the same folder, fsync, rename; existing files kept unless asked.
import { open, rename, unlink, link, mkdir, readdir } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';

export class FileExistsError extends Error {
  constructor(readonly path: string) {
    super(`${path} already exists (pass overwrite to replace it)`);
    this.name = 'FileExistsError';
  }
}

export interface WriteOptions {
  /** Replace an existing file. Without it an existing file is never touched and FileExistsError is thrown. */
  readonly overwrite?: boolean;
}

/**
 * Writes data to path so that readers see either the old file or the whole new one, never a partial file.
 * Without overwrite the final step is link() (fails if the target exists) rather than rename(), so no race can clobber.
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string, options: WriteOptions = {}): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(tmp, 'wx', 0o644);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (err) {
    // A full disk (ENOSPC) or an I/O error: the partial temp file goes, so it cannot keep the disk full.
    await handle.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await handle.close();
  try {
    if (options.overwrite) {
      await rename(tmp, path);
    } else {
      try {
        await link(tmp, path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new FileExistsError(path);
        throw err;
      }
      await unlink(tmp);
    }
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await syncDir(dir);
}

async function syncDir(dir: string): Promise<void> {
  // Makes the rename itself durable; some filesystems refuse fsync on directories, which is harmless here.
  const h = await open(dir, 'r').catch(() => null);
  if (!h) return;
  try {
    await h.sync();
  } catch {
    /* not supported on this filesystem */
  } finally {
    await h.close();
  }
}

/** The temp files writeFileAtomic makes: `.<name>.<12 hex>.tmp` beside the target. */
export const TEMP_FILE = /^\..+\.[0-9a-f]{12}\.tmp$/;

/**
 * Removes temp files left under dir by writes that a kill or a crash interrupted (call it at start, before any write
 * of this process). Returns how many were removed; unreadable folders are passed over.
 */
export async function sweepTempFiles(dir: string): Promise<number> {
  let removed = 0;
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) removed += await sweepTempFiles(p);
    else if (e.isFile() && TEMP_FILE.test(e.name)) {
      await unlink(p).then(() => removed++, () => undefined);
    }
  }
  return removed;
}
