// Folder walks that never fail as a whole: unreadable entries, dangling links and symlink loops are skipped with a reason.
import { readdir, realpath, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';

export interface WalkSkip {
  readonly path: string;
  readonly reason: string;
}

const why = (err: unknown): string => {
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'ENOENT') return 'cannot access: no such file (a dangling link?)';
  if (e?.code === 'EACCES' || e?.code === 'EPERM') return 'cannot access: permission denied';
  if (e?.code === 'ELOOP') return 'cannot access: too many levels of symbolic links';
  return `cannot access: ${e?.message ?? String(err)}`;
};

/**
 * Every regular file under paths, sorted by name within a folder. Dot-files and dot-folders inside a folder are not
 * entered (a path given explicitly always is); a folder reached twice (a symlink loop) is walked once.
 */
export async function walkFiles(paths: readonly string[], skipped: WalkSkip[]): Promise<string[]> {
  const files: string[] = [];
  const seenDirs = new Set<string>();
  const walk = async (p: string): Promise<void> => {
    let info;
    try {
      info = await stat(p);
    } catch (err) {
      skipped.push({ path: p, reason: why(err) });
      return;
    }
    if (info.isFile()) {
      files.push(p);
      return;
    }
    if (!info.isDirectory()) return;
    let real: string;
    let entries;
    try {
      real = await realpath(p);
      entries = await readdir(p, { withFileTypes: true });
    } catch (err) {
      skipped.push({ path: p, reason: why(err) });
      return;
    }
    if (seenDirs.has(real)) {
      skipped.push({ path: p, reason: `symlink loop: ${real} is already being walked` });
      return;
    }
    seenDirs.add(real);
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      await walk(join(p, e.name));
    }
  };
  for (const p of paths) await walk(resolve(p));
  return files;
}
