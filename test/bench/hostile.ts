// Peak RSS and time for every file of ../shared/data/hostile on the real code paths, each in its own child process.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { dataPath, REPO_ROOT } from '../helpers/data';

const LIMIT_MIB = 1536;
const one = `
const [what, file] = process.argv.slice(1);
const t = performance.now();
let outcome = 'read';
try {
  if (what === 'photo') {
    const { readRgb, toUnitRgb } = await import(${JSON.stringify(resolve(REPO_ROOT, 'main/services/images/read.ts'))});
    const { PHOTO_WORKING_PIXELS } = await import(${JSON.stringify(resolve(REPO_ROOT, 'main/services/budget.ts'))});
    const d = await readRgb(file, { maxPixels: PHOTO_WORKING_PIXELS });
    toUnitRgb(d);
    outcome = 'read at ' + d.width + 'x' + d.height;
  } else if (what === 'dicom') {
    const { decodeFrame } = await import(${JSON.stringify(resolve(REPO_ROOT, 'main/services/dicom/pixels/decode.ts'))});
    await decodeFrame(file);
  } else {
    const { indexPaths } = await import(${JSON.stringify(resolve(REPO_ROOT, 'main/services/dicom/indexer.ts'))});
    const { readMaskFile } = await import(${JSON.stringify(resolve(REPO_ROOT, 'main/services/masks/read.ts'))});
    const series = (await indexPaths([what])).series.find((x) => x.modality !== 'SEG');
    await readMaskFile(file, series);
  }
} catch (e) { outcome = 'refused: ' + String(e.message).replace(file + ': ', '').slice(0, 70); }
console.log(JSON.stringify({ outcome, ms: Math.round(performance.now() - t), rss: Math.round(process.resourceUsage().maxRSS / 1024) }));
`;
const h = (name: string) => dataPath('hostile', name);
const cases: Array<[string, string]> = [
  ['photo', h('real-45mp-8256x5504.jpg')], ['photo', h('bomb-20000x20000-rgb.png')], ['photo', h('float32.tif')], ['photo', h('svg-named.png')],
  ['dicom', h('jpeg16k.dcm')],
  ...['2', '256', '300'].map((n): [string, string] => [dataPath('ct/dcmqi-ct3slice'), h(`seg-refseg-${n}.dcm`)]),
  [dataPath('dicom/ct-abdomen-j2k-series'), h('nifti-nan-srow.nii')],
];
let over = 0;
console.log(`file | outcome | ms | peak RSS MiB (limit ${LIMIT_MIB})`);
for (const [what, file] of cases) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', one, what, file], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 120_000 });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  let res: { outcome: string; ms: number; rss: number };
  try {
    res = JSON.parse(line);
  } catch {
    res = { outcome: `crashed (exit ${r.status}, signal ${r.signal}): ${r.stderr.slice(-200)}`, ms: NaN, rss: NaN };
  }
  if (!(res.rss <= LIMIT_MIB)) over++;
  console.log(`${file.split('/').pop()} | ${res.outcome} | ${res.ms} | ${res.rss}`);
}
process.exitCode = over ? 1 : 0;
