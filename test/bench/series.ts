// Series bench: lungs over a long CT series end to end (decode, train, lung rule, one DICOM SEG), slices/s and peak RSS.
// npx tsx test/bench/series.ts [--slices 150] [--chains 2] [--size 256] [--warm-max-iter N] [--no-skip] [--dir DIR]
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createSegmentationRunner } from '../../model/runner';
import { runnerProposal, segmentSeries, type SeriesSliceReport } from '../../main/services/series/segment-series';

const { values } = parseArgs({
  options: {
    slices: { type: 'string', default: '150' },
    chains: { type: 'string', default: '2' },
    size: { type: 'string', default: '256' },
    'warm-min-iter': { type: 'string', default: '1' },
    'warm-max-iter': { type: 'string' },
    'no-skip': { type: 'boolean', default: false },
    // A series already built by make-long-series.py (kept between runs); otherwise one is built in a temp folder.
    dir: { type: 'string' },
  },
});
const slices = Number(values.slices), chains = Number(values.chains), size = Number(values.size);
const here = import.meta.dirname;
let dir = values.dir;
let built: string | undefined;
if (!dir || !existsSync(dir)) {
  dir = dir ?? (built = await mkdtemp(join(tmpdir(), 's3a-long-series-')));
  const r = spawnSync('/usr/bin/python3', [resolve(here, 'make-long-series.py'), dir, String(slices)], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('could not build the long series (python3-pydicom)');
}
const out = await mkdtemp(join(tmpdir(), 's3a-series-out-'));
const runner = createSegmentationRunner({ workers: chains });
const warmMax = values['warm-max-iter'] === undefined ? undefined : Number(values['warm-max-iter']);
const config = { backend: 'wasm' as const, size };
const propose = runnerProposal(runner, config, Number(values['warm-min-iter']), warmMax);
const started = performance.now();
const done: { report: SeriesSliceReport; at: number }[] = [];
let result;
try {
  result = await segmentSeries({
    paths: [dir], propose, outDir: out, format: 'seg', chains, skipEmpty: !values['no-skip'],
    onSlice: (report) => {
      done.push({ report, at: performance.now() });
      if (done.length % 10 === 0) console.log(`  … ${done.length} slices in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    },
  });
} finally {
  await runner.close();
}
const wall = (performance.now() - started) / 1000;
const peakRss = process.resourceUsage().maxRSS / 1024;
const trained = done.filter((d) => d.report.status === 'proposed');
const q = (v: number[], p: number) => { const s = [...v].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN; };
const secs = trained.map((d) => d.report.seconds);
const iters = trained.map((d) => d.report.iterations);
console.log(`series bench: ${result.opened.series.slices.length} slices (${dir}), ${chains} chain(s), size ${size}, warm stop after ${values['warm-min-iter']}${warmMax ? `, at most ${warmMax} warm iterations` : ''}${values['no-skip'] ? ', every slice trained' : ''}`);
console.log(`  wall ${wall.toFixed(1)} s end to end (decode, train, lung rule, SEG ${result.written.join(', ')}): ${(result.opened.series.slices.length / wall).toFixed(2)} slices/s`);
console.log(`  trained ${trained.length}, empty by the HU rule ${done.length - trained.length}; training per slice median ${q(secs, 0.5).toFixed(2)} s, p95 ${q(secs, 0.95).toFixed(2)} s; iterations median ${q(iters, 0.5)}, p95 ${q(iters, 0.95)}`);
console.log(`  peak RSS ${peakRss.toFixed(0)} MiB (main thread and both workers: one process)`);
await rm(out, { recursive: true, force: true });
if (built) await rm(built, { recursive: true, force: true });
