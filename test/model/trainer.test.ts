// The per-image trainer and the worker runner: repeatable for a seed, no tensor leaks, cancel, progress, stop rule.
import { describe, expect, it } from 'vitest';
import { tf } from '../../model/tf';
import { trainImage, TrainingAbortedError } from '../../model/trainer';
import { createSegmentationRunner } from '../../model/runner';
import { validateConfig } from '../../model/config';
import type { TrainProgress } from '../../model/types';
import { randomArray } from './helpers';

const S = 32;
// A two-region image: a dark disc on a bright background, with a little noise.
function discImage(size = S): { width: number; height: number; data: Float32Array } {
  const noise = randomArray(size * size * 3, 80, -0.05, 0.05);
  const data = new Float32Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const inside = (x - size / 2) ** 2 + (y - size / 2) ** 2 < (size / 4) ** 2;
      for (let c = 0; c < 3; c++) data[(y * size + x) * 3 + c] = (inside ? 0.2 : 0.8) + (noise[(y * size + x) * 3 + c] as number);
    }
  }
  return { width: size, height: size, data };
}
const small = { size: S, channels: 16, backend: 'wasm' as const, maxIterations: 8 };

describe('trainImage', () => {
  it('is repeatable for a seed and differs for another seed', async () => {
    const a = await trainImage(discImage(), { ...small, seed: 3 });
    const b = await trainImage(discImage(), { ...small, seed: 3 });
    const c = await trainImage(discImage(), { ...small, seed: 4 });
    expect(a.backend).toBe('wasm');
    expect(Array.from(a.labels)).toEqual(Array.from(b.labels));
    expect(a.iterations).toBe(b.iterations);
    expect(Array.from(a.labels)).not.toEqual(Array.from(c.labels));
  });

  it('reports every iteration with its loss terms and stops by the rule (≤ minLabels after minIterations)', async () => {
    const seen: TrainProgress[] = [];
    const r = await trainImage(discImage(), { ...small, maxIterations: 30, minLabels: 3, minIterations: 5 }, { onProgress: (p) => seen.push(p) });
    expect(seen.length).toBe(r.iterations);
    seen.forEach((p, i) => {
      expect(p.iteration).toBe(i + 1);
      expect(Number.isFinite(p.loss) && Number.isFinite(p.selfLabel) && Number.isFinite(p.consistency)).toBe(true);
      // loss = 3.5·CE + 0.2·consistency + 4·spatial, as the reference sums them.
      expect(p.loss).toBeCloseTo(3.5 * p.selfLabel + 0.2 * p.consistency + 4 * p.spatial, 4);
    });
    const last = seen.at(-1) as TrainProgress;
    if (r.stoppedBy === 'minLabels') {
      expect(last.labels).toBeLessThanOrEqual(3);
      expect(r.iterations).toBeGreaterThanOrEqual(6);
      // Nothing before the stop met the rule once past the minimum iteration count.
      seen.slice(5, -1).forEach((p) => expect(p.labels).toBeGreaterThan(3));
    } else {
      expect(r.iterations).toBe(30);
    }
    expect(r.labels.length).toBe(S * S);
    expect(r.clusters).toBe(new Set(r.labels).size);
  });

  it('leaves no tensor behind after a full run, after a cancel, and after an invalid input', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    await trainImage(discImage(), { ...small, maxIterations: 3 });
    expect(tf.memory().numTensors).toBe(before);

    const controller = new AbortController();
    const cancelled = trainImage(discImage(), { ...small, maxIterations: 50 }, {
      signal: controller.signal,
      onProgress: (p) => p.iteration === 2 && controller.abort(),
    });
    await expect(cancelled).rejects.toBeInstanceOf(TrainingAbortedError);
    expect(tf.memory().numTensors).toBe(before);

    await expect(trainImage({ width: 4, height: 4, data: new Float32Array(5) }, small)).rejects.toThrow(/48 values/);
    expect(tf.memory().numTensors).toBe(before);

    // Default mode (a second, affine pass per iteration): the same guarantee, on this backend's path.
    const r = await trainImage(discImage(), { ...small, mode: 'default', consistency: 'affine', spatial: 'l1', maxIterations: 3 });
    expect(r.mode).toBe('default');
    expect(tf.memory().numTensors).toBe(before);
    // And through TF.js's tape (the cpu and tensorflow backends), affine pass included.
    const c = await trainImage(discImage(), { ...small, channels: 8, backend: 'cpu', mode: 'default', consistency: 'affine', spatial: 'l1', maxIterations: 2 });
    expect([c.backend, c.iterations]).toEqual(['cpu', 2]);
    await tf.setBackend('wasm');
    expect(tf.memory().numTensors).toBe(before);
  });

  it('separates the disc from the background', async () => {
    const r = await trainImage(discImage(), { ...small, maxIterations: 20 });
    const centre = r.labels[(S / 2) * S + S / 2];
    const corner = r.labels[0];
    expect(centre).not.toBe(corner);
  });
});

describe('validateConfig', () => {
  it('fills the paper defaults and names the bad field', () => {
    const c = validateConfig();
    expect([c.size, c.channels, c.learningRate, c.momentum, c.maxIterations, c.minLabels]).toEqual([256, 64, 0.2, 0.9, 50, 3]);
    expect([c.selfLabelWeight, c.consistencyWeight, c.spatialWeight, c.mode]).toEqual([3.5, 0.2, 4, 'faithful']);
    expect(() => validateConfig({ size: 100 })).toThrow(/size/);
    expect(() => validateConfig({ learningRate: -1 })).toThrow(/learningRate/);
    expect(() => validateConfig({ mode: 'fast' as never })).toThrow(/mode/);
    expect(validateConfig({ maxIterations: 3 }).minIterations).toBe(3);
  });

  it('faithful mode keeps the reference\'s choices; default mode takes ours, each overridable for ablations', () => {
    const f = validateConfig();
    expect([f.consistency, f.spatial, f.offsets]).toEqual(['rot90', 'labels', 'uniform']);
    expect(() => validateConfig({ consistency: 'affine' })).toThrow(/needs mode 'default'/);
    expect(() => validateConfig({ mode: 'faithful', offsets: 'zero' })).toThrow(/offsets/);
    const d = validateConfig({ mode: 'default' });
    expect([d.consistency, d.spatial, d.offsets, d.minIterations, d.consistencySize]).toEqual(['rot90', 'labels', 'zero', 3, 128]);
    expect(validateConfig({ mode: 'default', size: 192 }).consistencySize).toBe(96);
    expect(validateConfig({ mode: 'default', consistency: 'affine', spatial: 'l1', minIterations: 5 })).toMatchObject({ consistency: 'affine', spatial: 'l1', minIterations: 5 });
    expect(validateConfig({ mode: 'default', maxIterations: 2 }).minIterations).toBe(2);
    expect(() => validateConfig({ mode: 'default', spatial: 'sobel' as never })).toThrow(/spatial/);
  });
});

describe('createSegmentationRunner', () => {
  it('trains in worker threads with progress, keeps the event loop free, and cancels running and queued jobs', async () => {
    const runner = createSegmentationRunner({ workers: 1 });
    try {
      let ticks = 0;
      const timer = setInterval(() => ticks++, 5);
      const progress: number[] = [];
      const started = performance.now();
      const done = await runner.segment(discImage(), { ...small, seed: 3 }, { onProgress: (p) => progress.push(p.iteration) });
      const elapsed = performance.now() - started;
      clearInterval(timer);
      const inProcess = await trainImage(discImage(), { ...small, seed: 3 });
      expect(Array.from(done.labels)).toEqual(Array.from(inProcess.labels));
      expect(progress).toEqual(Array.from({ length: done.iterations }, (_, i) => i + 1));
      // The caller's timers kept firing while the worker trained (at least a third of the expected ticks).
      expect(ticks).toBeGreaterThan(elapsed / 5 / 3);

      const running = new AbortController();
      const queued = new AbortController();
      const a = runner.segment(discImage(), { ...small, maxIterations: 50 }, { signal: running.signal, onProgress: (p) => p.iteration === 2 && running.abort() });
      const b = runner.segment(discImage(), small, { signal: queued.signal });
      queued.abort();
      await expect(b).rejects.toBeInstanceOf(TrainingAbortedError);
      await expect(a).rejects.toBeInstanceOf(TrainingAbortedError);
      expect(runner.pending).toBe(0);
    } finally {
      await runner.close();
    }
  });
});

describe('createMomentumSgd', () => {
  it('follows torch.optim.SGD: buf = μ·buf + g, p −= lr·buf, first buffer = g', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    const { createMomentumSgd } = await import('../../model/optimizer');
    const initial = tf.scalar(1);
    const x = tf.variable(initial, true, 'sgd-test-x');
    initial.dispose();
    const sgd = createMomentumSgd([x], 0.1, 0.9);
    const g = tf.scalar(1);
    sgd.step({ [x.name]: g });
    expect(x.dataSync()[0]).toBeCloseTo(0.9, 6);
    sgd.step({ [x.name]: g });
    expect(x.dataSync()[0]).toBeCloseTo(0.9 - 0.1 * 1.9, 6);
    sgd.dispose();
    g.dispose();
    x.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('resizeBilinearRgb', () => {
  it('matches TF.js resizeBilinear (half-pixel centres) when shrinking and enlarging', async () => {
    const { resizeBilinearRgb } = await import('../../model/trainer');
    for (const [w, h, size] of [[37, 23, 16], [5, 7, 16]] as const) {
      const data = randomArray(w * h * 3, 99, 0, 1);
      const ours = resizeBilinearRgb({ width: w, height: h, data }, size);
      await tf.setBackend('cpu');
      const ref = tf.tidy(() => tf.image.resizeBilinear(tf.tensor4d(data, [1, h, w, 3]), [size, size], false, true).dataSync());
      let max = 0;
      ours.forEach((v, i) => (max = Math.max(max, Math.abs(v - (ref[i] as number)))));
      expect(max).toBeLessThan(1e-5);
    }
  });
});
