// The webgpu step of the backend chain in Node: dawn.node's adapters, why each is or is not used, and the chain's reasons.
import { describe, expect, it } from 'vitest';
import { Worker } from 'node:worker_threads';
import { chooseBackend, describeBackends } from '../../model/backend';
import { isCpuAdapter, listAdapters, type Adapter, type Gpu } from '../../model/webgpu';

const adapter = (vendor: string, architecture: string, extra: object = {}): Adapter => ({
  info: { vendor, architecture, ...extra },
  limits: {},
  features: { has: () => false },
  requestDevice: async () => ({}),
});
/** A navigator.gpu stand-in answering each request (high-performance, low-power, fallback) in turn. */
const fakeGpu = (answers: (Adapter | null)[]): Gpu => {
  let i = 0;
  return { requestAdapter: async () => answers[i++] ?? null };
};

describe('WebGPU adapters', () => {
  it('a hardware adapter is used; CPU implementations are listed with the reason they are not', async () => {
    const nvidia = adapter('nvidia', 'ampere', { device: 'RTX A2000' });
    const swift = adapter('google', 'swiftshader');
    const { chosen, reports } = await listAdapters(fakeGpu([nvidia, nvidia, swift]), false);
    expect(chosen).toBe(nvidia);
    expect(reports).toEqual([
      { name: 'nvidia / ampere / RTX A2000', used: true, reason: 'used: a hardware adapter' },
      { name: 'google / swiftshader', used: false, reason: 'not used: another adapter was chosen first' },
    ]);
  });

  it('only a CPU implementation: not used unless asked for (SwiftShader, lavapipe, a fallback adapter)', async () => {
    const only = await listAdapters(fakeGpu([null, null, adapter('google', 'swiftshader')]), false);
    expect(only.chosen).toBeNull();
    expect(only.reports[0]?.reason).toMatch(/^not used: a CPU implementation, slower than the wasm kernels/);
    const asked = await listAdapters(fakeGpu([adapter('mesa', 'lavapipe')]), true);
    expect(asked.reports[0]).toMatchObject({ used: true, reason: expect.stringMatching(/requested explicitly/) });
    expect(isCpuAdapter({ vendor: 'intel', architecture: 'gen-12lp' })).toBe(false);
    expect(isCpuAdapter({ vendor: 'x', isFallbackAdapter: true })).toBe(true);
  });
});

describe('the chain webgpu → tensorflow → wasm → cpu in Node', () => {
  it('reports why webgpu is or is not used, and auto says why it skipped each faster backend', async () => {
    const report = await describeBackends();
    const webgpu = report.available.webgpu;
    if (!webgpu.ok) {
      // dawn.node's verdict here: no adapter, with Dawn's own reason (this machine: no Vulkan loader), or not installed.
      expect(webgpu.detail).toMatch(/^(dawn\.node: no adapter \(Dawn: .+\)|dawn\.node: no adapter worth using|webgpu \(dawn\.node\) not installed)$/);
      const auto = await chooseBackend('auto');
      expect(auto.skipped[0]).toEqual({ backend: 'webgpu', reason: webgpu.detail });
      expect(auto.skipped.map((s) => s.backend)).toContain(auto.name === 'wasm' ? 'tensorflow' : 'webgpu');
      await expect(chooseBackend('webgpu')).rejects.toThrow(/^webgpu backend unavailable: dawn\.node|^webgpu backend unavailable: webgpu/);
      console.log(`webgpu here: ${webgpu.detail}`);
    } else {
      expect(report.selected).toBe('webgpu');
      expect(report.adapters.some((a) => a.used)).toBe(true);
    }
  });

  it('dawn.node loads in a worker thread (where the trainer runs) and answers there', async () => {
    const code = `import('webgpu').then(async ({ create }) => {
      const a = await create([]).requestAdapter();
      require('node:worker_threads').parentPort.postMessage({ adapter: a ? a.info.vendor : null });
    }).catch((e) => require('node:worker_threads').parentPort.postMessage({ error: e.message }));`;
    const w = new Worker(code, { eval: true });
    const answer = await new Promise<{ adapter?: string | null; error?: string }>((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    });
    await w.terminate();
    expect(answer.error).toBeUndefined();
    expect('adapter' in answer).toBe(true);
  });
});
