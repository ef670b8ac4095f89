// S3-Net on WebGPU, proven against cpu and wasm here: Chromium's WebGPU on SwiftShader (the CPU), page from 127.0.0.1.
// Every WGSL kernel and a whole training step against the cpu backend (values and gradients, the wasm tests'
// tolerances); full training runs with a fixed seed give the wasm backend's labels on a PH2 photo and a LIDC slice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { openWebGpuPage, type WebGpuPage } from '../webgpu/harness';
import { KERNEL_CASES, KERNEL_TOL, STEP_TOL, randomArray } from '../webgpu/cases';
import { dataPath } from '../helpers/data';
import { readRgb, toUnitRgb } from '../../main/services/images/read';
import { loadSeriesForSegmentation, lungWindowRgb } from '../../main/services/dicom/index';
import { resizeBilinearRgb, trainImage } from '../../model/trainer';
import { validateConfig } from '../../model/config';
import { lesionTarget, lungTarget } from '../../model/postprocess';
import type { RgbImage } from '../../model/types';

let gpu: WebGpuPage;
beforeAll(async () => {
  gpu = await openWebGpuPage();
}, 120_000);
afterAll(async () => {
  await gpu?.close();
});

function dice(a: Uint8Array, b: Uint8Array): number {
  let both = 0, sum = 0;
  for (let i = 0; i < a.length; i++) {
    both += a[i] && b[i] ? 1 : 0;
    sum += (a[i] ? 1 : 0) + (b[i] ? 1 : 0);
  }
  return sum ? (2 * both) / sum : 1;
}

describe('WebGPU (SwiftShader) kernels against cpu', () => {
  it('the page has a WebGPU adapter', async () => {
    const adapter = await gpu.call('adapter');
    console.log(`WebGPU adapter: ${JSON.stringify(adapter)}`);
    expect(adapter?.architecture || adapter?.vendor).toBeTruthy();
  });

  KERNEL_CASES.forEach((c, i) => {
    it(`${c.name}: ${c.outputs.join(', ')} within ${KERNEL_TOL} of cpu, no tensor left`, async () => {
      const r = await gpu.call('kernelCase', i);
      for (const o of r.compared) {
        expect(o.relative, o.label).toBeLessThan(KERNEL_TOL);
        expect(o.referenceMax, `${o.label} is not trivially zero`).toBeGreaterThan(0);
      }
      expect(r.leaked).toBe(0);
    }, 180_000);
  });

  it('a whole faithful-mode training step (explicit backward pass on webgpu) gives the cpu tape\'s losses, labels and every gradient', async () => {
    const r = await gpu.call('trainingStep', 32, 8);
    expect(r.selfLabel.webgpu).toBeCloseTo(r.selfLabel.cpu, 5);
    expect(r.consistency.webgpu).toBeCloseTo(r.consistency.cpu, 5);
    expect(r.labelAgreement).toBe(1);
    expect(r.grads.length).toBeGreaterThan(50);
    for (const g of r.grads) expect(g.relative, g.label).toBeLessThan(STEP_TOL);
    console.log(`training step: worst gradient ${Math.max(...r.grads.map((g) => g.relative)).toExponential(2)} (relative)`);
    expect(r.leaked).toBe(0);
  }, 300_000);
});

describe('default mode\'s optional terms on webgpu', () => {
  it('the differentiable L1 spatial term and the affine consistency pass give the cpu tape\'s values and gradients', async () => {
    const r = await gpu.call('defaultTermsStep');
    expect(r.outside).toBeGreaterThan(0);
    expect(r.selfLabel.webgpu).toBeCloseTo(r.selfLabel.cpu, 5);
    expect(r.spatial.webgpu).toBeCloseTo(r.spatial.cpu, 5);
    expect(r.consistency.webgpu).toBeCloseTo(r.consistency.cpu, 5);
    for (const g of r.grads) expect(g.relative, g.label).toBeLessThan(STEP_TOL);
    console.log(`default-mode terms: worst gradient ${Math.max(...r.grads.map((g) => g.relative)).toExponential(2)} (relative)`);
    expect(r.leaked).toBe(0);
  }, 300_000);
});

describe('a fixed seed gives the same labels on webgpu as on wasm', () => {
  // Small and short for SwiftShader's speed (S3A_WEBGPU_SIZE=64 for a larger check); both take the same resized image.
  const size = Number(process.env.S3A_WEBGPU_SIZE ?? 32);
  const config = validateConfig({ mode: 'default', size, channels: size >= 64 ? 32 : 16, maxIterations: size >= 64 ? 4 : 3, seed: 1 });
  const S = config.size;

  async function bothBackends(image: RgbImage) {
    const input: RgbImage = { width: S, height: S, data: resizeBilinearRgb(image, S) };
    const wasm = await trainImage(input, { ...config, backend: 'wasm' });
    const webgpu = await gpu.call('train', Array.from(input.data), config);
    expect(webgpu.backend).toBe('webgpu');
    expect(webgpu.leaked).toBe(0);
    expect(webgpu.iterations).toBe(wasm.iterations);
    const same = wasm.labels.reduce((n, l, i) => n + (l === webgpu.labels[i] ? 1 : 0), 0) / wasm.labels.length;
    return { wasm, webgpu: { ...webgpu, labels: Uint8Array.from(webgpu.labels) }, same };
  }

  it('on a PH2 dermoscopy photo: lesion masks with Dice ≥ 0.99', async () => {
    const decoded = await readRgb(dataPath('skin/ph2/images/IMD002.bmp'));
    const image = { width: decoded.width, height: decoded.height, data: toUnitRgb(decoded) };
    const { wasm, webgpu, same } = await bothBackends(image);
    const d = dice(lesionTarget(wasm.labels, S, image).mask, lesionTarget(webgpu.labels, S, image).mask);
    console.log(`PH2 IMD002 (${S}², ${config.channels} ch, ${wasm.iterations} it): labels equal on ${(100 * same).toFixed(2)} % of pixels, lesion-mask Dice ${d.toFixed(4)}; ${webgpu.seconds.toFixed(1)} s on SwiftShader vs ${wasm.seconds.toFixed(1)} s wasm`);
    expect(d).toBeGreaterThanOrEqual(0.99);
  }, 600_000);

  it('on a LIDC-IDRI chest CT slice: lung masks with Dice ≥ 0.99', async () => {
    const { series } = await loadSeriesForSegmentation([join(dataPath('ct/lidc/LIDC-IDRI-0001'), '-100.000000.dcm')]);
    const slice = series[0]?.slices[0];
    if (!slice) throw new Error('LIDC-IDRI-0001 -100.000000.dcm did not load');
    const image = { width: slice.width, height: slice.height, data: lungWindowRgb(slice.hu) };
    const { wasm, webgpu, same } = await bothBackends(image);
    const d = dice(lungTarget(wasm.labels, S, slice.hu, slice.width, slice.height).mask, lungTarget(webgpu.labels, S, slice.hu, slice.width, slice.height).mask);
    console.log(`LIDC-IDRI-0001 slice −100 (${S}², ${config.channels} ch, ${wasm.iterations} it): labels equal on ${(100 * same).toFixed(2)} % of pixels, lung-mask Dice ${d.toFixed(4)}; ${webgpu.seconds.toFixed(1)} s on SwiftShader vs ${wasm.seconds.toFixed(1)} s wasm`);
    expect(d).toBeGreaterThanOrEqual(0.99);
  }, 600_000);
});

describe('a GPU that fails mid-run falls back to wasm for that image', () => {
  const config = validateConfig({ size: 32, channels: 8, maxIterations: 2, seed: 2 });
  const image = randomArray(32 * 32 * 3, 3, 0, 1);

  async function throughFailure(kind: 'out-of-memory' | 'device-lost') {
    const r = await gpu.call('trainThroughFailure', Array.from(image), config, kind, 1);
    // The GPU failed after iteration 1; the image was trained again from the start on wasm.
    expect(r.seen).toEqual(['webgpu:1', 'wasm:1', 'wasm:2']);
    expect(r.backend).toBe('wasm');
    expect(r.leaked).toBe(0);
    // No mask lost: the labels are the wasm backend's own for this seed (as Node's wasm gives them).
    const node = await trainImage({ width: 32, height: 32, data: image }, { ...config, backend: 'wasm' });
    expect(r.labels).toEqual(Array.from(node.labels));
    return r;
  }

  it('out of memory: says so, and the device stays in use for the next image', async () => {
    const r = await throughFailure('out-of-memory');
    expect(r.fallback?.reason).toMatch(/GPUOutOfMemoryError/);
    expect(r.nextChoice.name).toBe('webgpu');
  }, 300_000);

  // Last in the file: the page's device is gone afterwards.
  it('device lost: says so, and webgpu is refused afterwards with the reason', async () => {
    const r = await throughFailure('device-lost');
    expect(r.fallback?.reason).toMatch(/device lost \(destroyed\)/);
    expect(r.nextChoice.name).toMatch(/webgpu backend unavailable: .*unusable since its device lost/);
  }, 300_000);
});
