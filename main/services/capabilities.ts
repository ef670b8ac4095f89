// What the renderer may ask for: only paths main itself handed out (dialogs, drag and drop, Recent) and open studies.
import { resolve } from 'node:path';
import { IpcError } from './errors';

export type Grant = 'dialog' | 'drop' | 'recent';

/**
 * Main trusts the renderer with nothing: a compromised page can only name paths that a dialog returned, that the
 * preload read from a dropped file (webUtils.getPathForFile), or that are on main's own Recent list, and export only
 * into a folder the export dialog returned. Paths are compared after resolve(), exactly.
 */
export class CapabilityRegistry {
  readonly #open = new Map<string, Grant>();
  readonly #destinations = new Set<string>();

  grantOpen(paths: readonly string[], how: Grant): void {
    for (const p of paths) this.#open.set(resolve(p), how);
  }

  /** Throws (naming the first path) unless every path was granted. */
  checkOpen(paths: readonly string[]): void {
    for (const p of paths) {
      if (!this.#open.has(resolve(p))) throw new IpcError('invalid', `${p}: not chosen in a dialog, dropped on the window or on the Recent list`);
    }
  }

  grantDestination(folder: string): void {
    this.#destinations.add(resolve(folder));
  }

  checkDestination(folder: string): void {
    if (!this.#destinations.has(resolve(folder))) throw new IpcError('invalid', `${folder}: not a destination chosen in the export dialog`);
  }
}
