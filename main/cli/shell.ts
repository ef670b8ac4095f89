// Whether the Electron binary is installed (it is downloaded at install time where the network allows).
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export async function electronStatus(): Promise<string> {
  try {
    const require = createRequire(import.meta.url);
    const dir = dirname(require.resolve('electron/package.json'));
    const pathFile = join(dir, 'path.txt');
    if (!existsSync(pathFile)) return 'unavailable: the Electron binary was not downloaded at install time (run `node node_modules/electron/install.js` where the network allows)';
    const binary = join(dir, 'dist', readFileSync(pathFile, 'utf8').trim());
    return existsSync(binary) ? `available (${binary})` : `unavailable: ${binary} is missing`;
  } catch {
    return 'unavailable: the electron package is not installed';
  }
}
