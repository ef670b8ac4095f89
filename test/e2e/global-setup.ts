// Builds the renderer once before the suite, with the same config as `npm run build`.
import { mkdir } from 'node:fs/promises';
import { buildRenderer } from './build-renderer';
import { SCREENSHOTS } from './harness';

export default async function setup(): Promise<void> {
  await buildRenderer();
  await mkdir(SCREENSHOTS, { recursive: true });
}
