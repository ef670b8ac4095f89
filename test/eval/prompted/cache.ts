// The prompted scripts' cache of S3-Net runs (labels and both feature sets per photo, in .tmp/exp), so the head can be
// re-measured without retraining.
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import type { RgbImage } from '../../../model/types';
import type { S3NetConfig } from '../../../model/config';
import { prepareImage, workingColour, type PreparedImage } from '../../../model/prompt/segment';

/** The cached run for `file` (a .bin beside its .json), or a fresh one written there: features of both stages. */
export async function cachedPreparation(file: string, image: RgbImage, config: Partial<S3NetConfig>): Promise<PreparedImage> {
  if (existsSync(file)) {
    const buf = await readFile(file);
    const meta = JSON.parse(await readFile(`${file}.json`, 'utf8')) as Omit<PreparedImage, 'labels' | 'colour' | 'features'> & { channels: number };
    const P = meta.size * meta.size;
    const labels = new Uint8Array(buf.buffer, buf.byteOffset, P).slice();
    const data = new Float32Array(buf.buffer.slice(buf.byteOffset + P, buf.byteOffset + buf.length));
    return { ...meta, labels, colour: workingColour(image, meta.size), features: { size: meta.size, channels: meta.channels, data } };
  }
  const prep = await prepareImage(image, config, {});
  await writeFile(file, Buffer.concat([Buffer.from(prep.labels), Buffer.from(prep.features.data.buffer)]));
  await writeFile(`${file}.json`, JSON.stringify({ width: prep.width, height: prep.height, size: prep.size, clusters: prep.clusters, backbone: prep.backbone, channels: prep.features.channels }));
  return prep;
}
