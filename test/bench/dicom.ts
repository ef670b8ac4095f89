// DICOM benchmarks (npx tsx test/bench/dicom.ts): indexing and decoding medians against the targets.
import { mkdtempSync, rmSync, readdirSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { indexPaths } from '../../main/services/dicom/indexer.js';
import { decodeFrame } from '../../main/services/dicom/pixels/decode.js';
import { ds, el, encodePart10 } from '../../main/services/masks/dicom-writer.js';
import { newUid } from '../../main/services/masks/uid.js';

const DATA = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../shared/data');
const CT_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.2';

async function median(runs: number, fn: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

/** 5,000 small but complete CT instances (50 series × 100 slices) written with our own encoder. */
function generateFolder(dir: string, files: number): void {
  const perSeries = 100;
  const pixels = new Uint8Array(64 * 64 * 2);
  let study = newUid();
  let series = newUid();
  for (let i = 0; i < files; i++) {
    if (i % perSeries === 0) {
      series = newUid();
      if (i % (perSeries * 10) === 0) study = newUid();
      mkdirSync(join(dir, series), { recursive: true });
    }
    const sop = newUid();
    const z = (i % perSeries) * 2.5;
    const bytes = encodePart10(
      [
        el(0x00080016, 'UI', CT_IMAGE_STORAGE), el(0x00080018, 'UI', sop), el(0x00080060, 'CS', 'CT'),
        el(0x0008103e, 'LO', 'generated chest CT'), el(0x00100010, 'PN', 'BENCH^PATIENT'), el(0x00100020, 'LO', `P${Math.floor(i / 1000)}`),
        el(0x0020000d, 'UI', study), el(0x0020000e, 'UI', series), el(0x00200013, 'IS', String(perSeries - (i % perSeries))),
        el(0x00200032, 'DS', ds([-160, -160, z])), el(0x00200037, 'DS', '1\\0\\0\\0\\1\\0'), el(0x00200052, 'UI', study),
        el(0x00280002, 'US', [1]), el(0x00280004, 'CS', 'MONOCHROME2'), el(0x00280010, 'US', [64]), el(0x00280011, 'US', [64]),
        el(0x00280030, 'DS', '5\\5'), el(0x00280100, 'US', [16]), el(0x00280101, 'US', [12]), el(0x00280102, 'US', [11]),
        el(0x00280103, 'US', [1]), el(0x00281052, 'DS', '-1024'), el(0x00281053, 'DS', '1'), el(0x7fe00010, 'OW', pixels),
      ],
      { sopClassUID: CT_IMAGE_STORAGE, sopInstanceUID: sop, implementationUID: '2.25.1' },
    );
    writeFileSync(join(dir, series, `${i}.dcm`), bytes);
  }
}

function report(name: string, ms: number, targetMs: number): void {
  console.log(`${name.padEnd(48)} median ${ms.toFixed(1).padStart(8)} ms   target < ${targetMs} ms   ${ms < targetMs ? 'OK' : 'MISSED'}`);
}

// Timings on a shared machine mean little without the load they ran under.
console.log(`${cpus().length} CPU(s), load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
const RUNS = 7;
const lidc = join(DATA, 'ct/lidc');
report('index 39 LIDC slices', await median(RUNS, () => indexPaths([lidc])), 500);

const gen = mkdtempSync(join(tmpdir(), 's3-bench-dicom-'));
try {
  generateFolder(gen, 5000);
  const idx = await indexPaths([gen]);
  if (idx.series.length !== 50 || idx.skipped.length) throw new Error(`generated folder indexed wrongly: ${idx.series.length} series, ${idx.skipped.length} skipped`);
  report('index 5,000 generated DICOM files', await median(5, () => indexPaths([gen])), 10_000);
} finally {
  rmSync(gen, { recursive: true, force: true });
}

const slice = join(lidc, 'LIDC-IDRI-0001', readdirSync(join(lidc, 'LIDC-IDRI-0001')).find((f) => f.endsWith('.dcm'))!);
await decodeFrame(slice); // warm-up: JIT
report('decode 512×512 uncompressed CT (LIDC, to HU)', await median(31, () => decodeFrame(slice)), 5);

const tsDir = join(DATA, 'dicom/transfer-syntaxes');
const j2k = join(tsDir, 'CTImage.dcm_JPEG2000LosslessOnlyTransferSyntax_1.2.840.10008.1.2.4.90.dcm');
await decodeFrame(j2k); // warm-up: WebAssembly compile
report('decode 512×512 JPEG 2000 lossless CT', await median(11, () => decodeFrame(j2k)), 60);

console.log('\nall transfer syntaxes of the same 512×512 CT slice (informational):');
for (const f of readdirSync(tsDir).sort()) {
  const p = join(tsDir, f);
  await decodeFrame(p);
  const ms = await median(RUNS, () => decodeFrame(p));
  console.log(`  ${(/_(1\.2\.840[0-9.]*)\.dcm$/.exec(f)?.[1] ?? '1.2.840.10008.1.2 (implicit)').padEnd(32)} ${ms.toFixed(1).padStart(7)} ms`);
}
