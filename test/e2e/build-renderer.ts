// Builds the renderer exactly as `npm run build` does (same config), for the end-to-end suite.
import { build } from 'vite';
import { rendererConfig } from '../../electron.config';

export async function buildRenderer(): Promise<void> {
  await build({ ...rendererConfig, configFile: false, logLevel: 'warn' });
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop() ?? '')) await buildRenderer();
