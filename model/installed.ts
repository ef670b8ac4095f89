// Which TF.js backends are installed, found without loading TF.js (for Electron's main process, which must not carry it).
import { createRequire } from 'node:module';

/** libtensorflow bindings, fastest first; each registers the 'tensorflow' backend when imported. */
export const NATIVE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;

/**
 * What is installed, without loading anything (for a process that must not carry TF.js, such as Electron's main):
 * the native packages that resolve, and the wasm backend's presence.
 */
export function installedBackends(): string {
  const require = createRequire(import.meta.url);
  const resolves = (name: string) => {
    try {
      require.resolve(name);
      return true;
    } catch {
      return false;
    }
  };
  const native = NATIVE_PACKAGES.filter(resolves);
  const tensorflow = native.length ? `tensorflow via ${native.join(', ')}` : 'tensorflow unavailable (tfjs-node and tfjs-node-gpu not installed: libtensorflow could not be downloaded at install time)';
  return `${tensorflow}; wasm ${resolves('@tensorflow/tfjs-backend-wasm') ? 'installed' : 'missing'}; cpu ${resolves('@tensorflow/tfjs-backend-cpu') ? 'installed' : 'missing'}`;
}

