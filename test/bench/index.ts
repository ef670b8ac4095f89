// npm run bench: every benchmark in turn, each in its own process so peak memory is per benchmark.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');
const runner = resolve(root, 'main/cli/run-ts.mjs');
const args = process.argv.slice(2);
let failed = 0;
for (const bench of ['test/bench/model.ts', 'test/bench/webgpu.ts', 'test/bench/dicom.ts', 'test/bench/hostile.ts', 'test/bench/series.ts']) {
  console.log(`\n=== ${bench}`);
  const r = spawnSync(process.execPath, [runner, resolve(root, bench), ...(bench.endsWith('model.ts') ? args : [])], { stdio: 'inherit', cwd: root });
  if (r.status !== 0) failed++;
}
process.exitCode = failed ? 1 : 0;
