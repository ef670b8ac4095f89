// WebGPU benchmark: s/iteration per WebGPU adapter found, with its name. dawn.node in Node (a real GPU where one is),
// and Chromium's SwiftShader (the CPU: correctness only, its time is no measure of GPU speed).
// Usage: node main/cli/run-ts.mjs test/bench/webgpu.ts [--size 256] [--runs 5] [--swiftshader-size 32] [--no-swiftshader]
import { describeBackends, useBackend } from '../../model/backend';
import { timeIterations } from '../webgpu/iteration';
import { openWebGpuPage } from '../webgpu/harness';

const flag = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
};
const size = Number(flag('size', '256'));
const runs = Math.max(3, Number(flag('runs', '5')));
const TARGET_S = 0.1;

const report = await describeBackends();
console.log('WebGPU adapters seen by dawn.node:', report.adapters.length ? '' : 'none');
for (const a of report.adapters) console.log(`  ${a.name}: ${a.reason}`);
if (report.available.webgpu.ok) {
  await useBackend('webgpu');
  const used = report.adapters.find((a) => a.used)?.name ?? report.available.webgpu.detail;
  const { medianMs } = await timeIterations(size, 64, runs);
  console.log(`[webgpu, ${used}] one iteration ${size}×${size}×64 (fwd+bwd+SGD): ${(medianMs / 1000).toFixed(3)} s (median of ${runs}; target ≤ ${TARGET_S} s)`);
} else {
  console.log(`[webgpu, dawn.node] ${report.available.webgpu.detail}`);
  console.log('  real-GPU s/iteration: unmeasured on this machine (no GPU adapter)');
}

if (!process.argv.includes('--no-swiftshader')) {
  const s = Number(flag('swiftshader-size', '32'));
  const page = await openWebGpuPage();
  try {
    const adapter = await page.call('adapter');
    const name = [adapter?.vendor, adapter?.architecture].filter(Boolean).join(' / ') || 'unknown adapter';
    const { medianMs } = await page.call('benchIteration', s, 32, 3);
    console.log(`[webgpu, Chromium ${name}] one iteration ${s}×${s}×32: ${(medianMs / 1000).toFixed(2)} s (median of 3) — a CPU emulation of a GPU, for correctness only; not a speed figure`);
  } finally {
    await page.close();
  }
}
