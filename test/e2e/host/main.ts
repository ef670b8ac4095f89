// Runs the test host as its own process (for the kill -9 recovery test): prints its URL, serves until killed.
import { startHost } from './server';
import { createSegmenter } from './segmenter';
import { resolve } from 'node:path';

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const dataDir = arg('data');
if (!dataDir) throw new Error('usage: main.ts --data DIR [--port N]');
const host = await startHost({
  rendererDir: resolve(import.meta.dirname, '../../../out/renderer'),
  dataDir,
  segmenter: createSegmenter(),
  runDefaults: { size: 64, maxIterations: 3, minIterations: 1 },
  port: Number(arg('port') ?? 0),
  testControls: true,
});
console.log(`HOST ${host.url}`);
