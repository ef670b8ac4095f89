// S3-Net label maps cached on disk for the Dice benches, so a target rule can be re-measured without retraining.
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface CachedLabels {
  readonly size: number;
  readonly labels: Uint8Array;
  readonly seconds: number;
  readonly iterations: number;
  readonly backend?: string;
}

/** The label map of `id` from `dir` (`<id>.labels` + `<id>.json`), or `train()`'s, stored there; fresh retrains. */
export async function cachedLabels(dir: string, id: string, fresh: boolean, train: () => Promise<CachedLabels>): Promise<CachedLabels> {
  const meta = join(dir, `${id}.json`), bin = join(dir, `${id}.labels`);
  if (!fresh && existsSync(meta) && existsSync(bin)) {
    const m = JSON.parse(await readFile(meta, 'utf8')) as Omit<CachedLabels, 'labels'>;
    return { ...m, labels: new Uint8Array(await readFile(bin)) };
  }
  const { size, labels, seconds, iterations, backend } = await train();
  await mkdir(dir, { recursive: true });
  await writeFile(bin, labels);
  await writeFile(meta, JSON.stringify({ size, seconds, iterations, backend }));
  return { size, labels, seconds, iterations, ...(backend ? { backend } : {}) };
}
