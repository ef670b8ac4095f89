// The whole network on both backends: identical gradients for every parameter, hand-checked layer and loss values.
import { describe, expect, it } from 'vitest';
import { tf } from '../../model/tf';
import { validateConfig } from '../../model/config';
import { createS3Net } from '../../model/network';
import { crossEntropy, faithfulConsistencyLoss, faithfulSpatialValue, rot90, selfLabelLoss, spatialLoss } from '../../model/losses';
import { depthwiseConv } from '../../model/ops/depthwise';
import { batchNormRows } from '../../model/ops/rows';
import { mulberry32 } from '../../model/random';
import { maxAbs, maxAbsDiff, onBackend, randomArray } from './helpers';

describe('S3-Net forward and backward, wasm against cpu', () => {
  it('loss and the gradient of every parameter agree (size 32, 8 channels, faithful mode)', async () => {
    const config = validateConfig({ size: 32, channels: 8, seed: 7 });
    const image = randomArray(32 * 32 * 3, 50, 0, 1);
    const run = () => {
      const net = createS3Net(config);
      const input = tf.tensor4d(image, [1, 32, 32, 3]);
      const { value, grads } = tf.variableGrads(() => {
        const { logits, aux } = net.forward(input);
        const self = selfLabelLoss(logits);
        return tf.add(tf.mul(self.loss, 3.5), tf.mul(faithfulConsistencyLoss(aux, self.target), 0.2)) as tf.Scalar;
      }, net.variables as tf.Variable[]);
      // Variables are named per network instance; order them by creation, which is the same on both backends.
      const ordered = net.variables.map((v) => grads[v.name] as tf.Tensor);
      const out = [tf.reshape(value, [1]), ...ordered.map((g) => tf.reshape(g, [-1]))];
      net.dispose();
      return out;
    };
    const ref = await onBackend('cpu', run);
    const got = await onBackend('wasm', run);
    expect(got.length).toBe(ref.length);
    expect(ref.length).toBeGreaterThan(40);
    ref.forEach((r, i) => {
      const g = got[i] as Float32Array;
      const scale = Math.max(1e-3, maxAbs(r));
      expect(maxAbsDiff(g, r) / scale, `tensor ${i}`).toBeLessThan(2e-3);
    });
  });
});

describe('hand-checked layer values', () => {
  it('depthwise 3×3 of ones on a 3×3 image of ones counts the neighbours inside the image', async () => {
    for (const backend of ['cpu', 'wasm'] as const) {
      const [out] = await onBackend(backend, () => [depthwiseConv(tf.ones([1, 3, 3, 1]), tf.ones([3, 3, 1]), null, 1)]);
      expect(Array.from(out as Float32Array)).toEqual([4, 6, 4, 6, 9, 6, 4, 6, 4]);
    }
  });

  it('depthwise 3×3 with dilation 2 on a 5×5 image reaches exactly two pixels away', async () => {
    for (const backend of ['cpu', 'wasm'] as const) {
      const [out] = await onBackend(backend, () => [depthwiseConv(tf.ones([1, 5, 5, 1]), tf.ones([3, 3, 1]), null, 2)]);
      // Centre sees all 9 taps; a corner sees its own, two at distance 2 along the edges, and one diagonal: 4.
      expect((out as Float32Array)[12]).toBe(9);
      expect((out as Float32Array)[0]).toBe(4);
      expect((out as Float32Array)[1]).toBe(4); // (0,1): taps at x = -1 (out), 1, 3 × y = 0, 2
    }
  });

  it('BatchNorm (training mode) gives zero mean and unit variance per channel, then γ and β', async () => {
    for (const backend of ['cpu', 'wasm'] as const) {
      const [out] = await onBackend(backend, () => [batchNormRows(tf.tensor2d([1, 10, 2, 20, 3, 30, 4, 40], [4, 2]), tf.tensor1d([2, 1]), tf.tensor1d([0, 5]))]);
      // Column 0 = [1,2,3,4]: mean 2.5, variance 1.25 → (x−2.5)/√(1.25+1e-5)·2.
      const s = Math.sqrt(1.25 + 1e-5);
      const expected = [(-1.5 / s) * 2, 5 + -15 / Math.sqrt(125 + 1e-5), (-0.5 / s) * 2, 5 + -5 / Math.sqrt(125 + 1e-5)];
      Array.from(out as Float32Array).slice(0, 4).forEach((v, i) => expect(v).toBeCloseTo(expected[i] as number, 4));
    }
  });

  it('self-labelling cross-entropy of two pixels equals log-sum-exp minus max, by hand', async () => {
    for (const backend of ['cpu', 'wasm'] as const) {
      const [loss, target] = await onBackend(backend, () => {
        const s = selfLabelLoss(tf.tensor2d([0, 1, 2, 3, 0, 0], [2, 3]));
        return [tf.reshape(s.loss, [1]), tf.cast(s.target, 'float32')];
      });
      const row1 = Math.log(Math.exp(0) + Math.exp(1) + Math.exp(2)) - 2;
      const row2 = Math.log(Math.exp(3) + 2) - 3;
      expect((loss as Float32Array)[0]).toBeCloseTo((row1 + row2) / 2, 5);
      expect(Array.from(target as Float32Array)).toEqual([2, 0]);
    }
  });

  it("the reference's rot90 consistency equals the unrotated cross-entropy (mean is permutation-invariant)", async () => {
    const S = 6, C = 4;
    const [rotated, plain] = await onBackend('wasm', () => {
      const main = tf.tensor2d(randomArray(S * S * C, 60, -2, 2), [S * S, C]);
      const aux = tf.tensor2d(randomArray(S * S * C, 61, -2, 2), [S * S, C]);
      const target = selfLabelLoss(main).target;
      const rotTarget = selfLabelLoss(rot90(main, S)).target;
      return [tf.reshape(faithfulConsistencyLoss(rot90(aux, S), rotTarget), [1]), tf.reshape(faithfulConsistencyLoss(aux, target), [1])];
    });
    expect((rotated as Float32Array)[0]).toBeCloseTo((plain as Float32Array)[0] as number, 5);
  });

  it('rot90 turns the top row into the left column, bottom to top (counter-clockwise)', async () => {
    const [r] = await onBackend('cpu', () => [rot90(tf.tensor2d([1, 2, 3, 4], [4, 1]), 2)]);
    // [[1,2],[3,4]] rotated 90° counter-clockwise is [[2,4],[1,3]].
    expect(Array.from(r as Float32Array)).toEqual([2, 4, 1, 3]);
  });

  it("the reference's spatial term is zero on a constant label map and positive across an edge", () => {
    const palette = Float32Array.from({ length: 6 }, (_, i) => (i < 3 ? 0 : 255));
    expect(faithfulSpatialValue(new Uint8Array(16), 4, palette)).toBe(0);
    const halves = Uint8Array.from({ length: 16 }, (_, i) => (i % 4 < 2 ? 0 : 1));
    expect(faithfulSpatialValue(halves, 4, palette)).toBeGreaterThan(0);
  });

  it('the differentiable spatial term is the mean absolute neighbour difference', async () => {
    const [v] = await onBackend('wasm', () => [tf.reshape(spatialLoss(tf.tensor2d([0, 1, 0, 1], [4, 1]), 2), [1])]);
    // Map [[0,1],[0,1]]: vertical differences 0,0; horizontal 1,1 → 0 + 1.
    expect((v as Float32Array)[0]).toBeCloseTo(1, 6);
  });
});

describe('explicit backward pass (wasm)', () => {
  it('gives the same loss terms, labels and parameter gradients as the tape, and leaks nothing', async () => {
    const { explicitStep } = await import('../../model/backprop');
    const config = validateConfig({ size: 32, channels: 8, seed: 11 });
    const image = randomArray(32 * 32 * 3, 51, 0, 1);
    await onBackend('wasm', () => []);
    const net = createS3Net(config);
    const input = tf.tensor4d(image, [1, 32, 32, 3]);
    const before = tf.memory().numTensors;
    const step = explicitStep(net.params, input, config);
    expect(step.grads.size).toBe(net.variables.length);
    const tape = tf.tidy(() => {
      let ce = 0, cons = 0;
      const { grads } = tf.variableGrads(() => {
        const { logits, aux } = net.forward(input);
        const self = selfLabelLoss(logits);
        const c = faithfulConsistencyLoss(aux, self.target);
        ce = self.loss.dataSync()[0] as number;
        cons = c.dataSync()[0] as number;
        return tf.add(tf.mul(self.loss, 3.5), tf.mul(c, 0.2)) as tf.Scalar;
      }, net.variables as tf.Variable[]);
      return { ce, cons, grads: net.variables.map((v) => (grads[v.name] as tf.Tensor).dataSync() as Float32Array) };
    });
    expect(step.selfLabel).toBeCloseTo(tape.ce, 5);
    expect(step.consistency).toBeCloseTo(tape.cons, 5);
    net.variables.forEach((v, i) => {
      const ours = step.grads.get(v)?.dataSync() as Float32Array;
      const ref = tape.grads[i] as Float32Array;
      expect(maxAbsDiff(ours, ref) / Math.max(1e-3, maxAbs(ref)), v.name).toBeLessThan(1e-3);
    });
    tf.dispose([...step.grads.values()]);
    expect(tf.memory().numTensors).toBe(before);
    input.dispose();
    net.dispose();
  });
  it('the optional default-mode terms (L1 spatial, affine pass) give the tape\'s gradients, and leak nothing', async () => {
    const { explicitStep, affineConsistencyStep } = await import('../../model/backprop');
    const { randomAffine, warpLabels, warpRgb } = await import('../../model/affine');
    const config = validateConfig({ size: 32, channels: 8, seed: 12, mode: 'default', consistency: 'affine', spatial: 'l1', consistencySize: 24 });
    expect(config.offsets).toBe('zero');
    const image = randomArray(32 * 32 * 3, 52, 0, 1);
    await onBackend('wasm', () => []);
    const net = createS3Net(config);
    const input = tf.tensor4d(image, [1, 32, 32, 3]);
    const t = randomAffine(mulberry32(5), 32, 24);
    const view = tf.tensor4d(warpRgb(image, 32, t, 24), [1, 24, 24, 3]);
    const before = tf.memory().numTensors;
    const step = explicitStep(net.params, input, config, { auxConsistency: false, spatialL1: true });
    const viewLabels = warpLabels(step.labels, 32, t, 24);
    // Some of the view falls outside the image: those pixels must be left out, not merely present.
    expect(viewLabels.some((l) => l < 0)).toBe(true);
    const tl = tf.tensor1d(viewLabels, 'int32');
    const pass = affineConsistencyStep(net.params, view, tl, config);
    const tape = tf.tidy(() => {
      let ce = 0, sp = 0, cons = 0;
      const { grads } = tf.variableGrads(() => {
        const { logits } = net.forward(input);
        const self = selfLabelLoss(logits);
        const spatial = spatialLoss(logits, 32);
        const c = crossEntropy(net.stages.aux(net.stages.attention(net.stages.stem(view))), tl);
        [ce, sp, cons] = [self.loss, spatial, c].map((x) => x.dataSync()[0] as number) as [number, number, number];
        return tf.addN([tf.mul(self.loss, 3.5), tf.mul(spatial, 4), tf.mul(c, 0.2)]) as tf.Scalar;
      }, net.variables as tf.Variable[]);
      return { ce, sp, cons, grads: net.variables.map((v) => (grads[v.name] as tf.Tensor).dataSync() as Float32Array) };
    });
    expect(step.selfLabel).toBeCloseTo(tape.ce, 5);
    expect(step.spatial).toBeCloseTo(tape.sp, 5);
    expect(pass.consistency).toBeCloseTo(tape.cons, 5);
    net.variables.forEach((v, i) => {
      const a = step.grads.get(v)?.dataSync() as Float32Array | undefined;
      const b = pass.grads.get(v)?.dataSync() as Float32Array | undefined;
      const ours = Float32Array.from({ length: (tape.grads[i] as Float32Array).length }, (_, k) => (a?.[k] ?? 0) + (b?.[k] ?? 0));
      const ref = tape.grads[i] as Float32Array;
      expect(maxAbsDiff(ours, ref) / Math.max(1e-3, maxAbs(ref)), v.name).toBeLessThan(1e-3);
    });
    tf.dispose([...step.grads.values(), ...pass.grads.values(), tl]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([input, view]);
    net.dispose();
  });
});
