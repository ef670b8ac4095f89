// The S3-Net network: parameters (seeded, PyTorch's default initialisation) and the forward pass, NHWC, batch 1.
import { tf } from './tf';
import type { S3NetConfig } from './config';
import { substream, uniform } from './random';
import { depthwiseConv } from './ops/depthwise';
import { deformConv } from './ops/deform';
import { addBias, batchNormRows, dense as denseOp, gelu } from './ops/rows';

/** I-LKA's three parallel depthwise convolutions on the 5×5 output: [kernel, dilation]. */
const LKA_BRANCHES: readonly (readonly [number, number])[] = [
  [3, 1],
  [5, 2],
  [7, 3],
];
const ATTENTION_BLOCKS = 2;
let networkCount = 0;

export interface ForwardOutput {
  /** [P, C] logits of the main head (P = size²). */
  readonly logits: tf.Tensor2D;
  /** [P, C] logits of the auxiliary head (the transformation-consistency branch). */
  readonly aux: tf.Tensor2D;
}

/** The forward pass split at its stages (for benchmarks and tests); forward() is their composition. */
export interface S3NetStages {
  /** 3×3 stem + BatchNorm: image → [P, C]. */
  stem(image: tf.Tensor4D): tf.Tensor2D;
  /** The two attention blocks with I-LKA, each followed by BatchNorm. */
  attention(h: tf.Tensor2D): tf.Tensor2D;
  aux(h: tf.Tensor2D): tf.Tensor2D;
  /** Modulated deformable 3×3 conv + BatchNorm. */
  deformable(h: tf.Tensor2D): tf.Tensor2D;
  /** 1×1 conv + BatchNorm: the logits. */
  head(d: tf.Tensor2D): tf.Tensor2D;
}

export interface DenseParams {
  readonly w: tf.Variable;
  readonly b: tf.Variable;
}
export interface BatchNormParams {
  readonly gamma: tf.Variable;
  readonly beta: tf.Variable;
}
export interface AttentionBlockParams {
  readonly proj1: DenseParams;
  /** I-LKA's 5×5 depthwise convolution, [5, 5, C] and its bias. */
  readonly lka0: DenseParams;
  readonly branches: readonly (DenseParams & { readonly dilation: number })[];
  /** The 3C → C fusion as three C × C blocks and one bias. */
  readonly fuse: { readonly w: readonly tf.Variable[]; readonly b: tf.Variable };
  readonly proj2: DenseParams;
  readonly bn: BatchNormParams;
}
/** Every parameter by role, for the explicit backward pass (backprop.ts). */
export interface S3NetParams {
  readonly stem: DenseParams & { readonly bn: BatchNormParams };
  readonly blocks: readonly AttentionBlockParams[];
  readonly aux: DenseParams & { readonly bn: BatchNormParams };
  readonly deform: { readonly w: tf.Variable; readonly offset: tf.Variable; readonly mask: tf.Variable; readonly bn: BatchNormParams };
  readonly head: DenseParams & { readonly bn: BatchNormParams };
}

/** The trainable state of one per-image network. Owns its variables: call dispose(). */
export interface S3Net {
  readonly variables: readonly tf.Variable[];
  readonly params: S3NetParams;
  readonly stages: S3NetStages;
  forward(image: tf.Tensor4D): ForwardOutput;
  /** Copies of every variable's values, by name (for warm starts along a series). */
  snapshot(): Map<string, Float32Array>;
  dispose(): void;
}

type Init = 'pytorch-conv' | 'ones' | 'zeros' | 'unit-uniform';

/** Creates the network for one image, every parameter drawn from its own named stream of the config's seed. */
export function createS3Net(config: S3NetConfig, warm?: ReadonlyMap<string, Float32Array>): S3Net {
  const { size: S, channels: C } = config;
  const vars = new Map<string, tf.Variable>();
  const netId = ++networkCount;

  const param = (name: string, shape: number[], init: Init, fanIn = 1): tf.Variable => {
    const n = shape.reduce((a, d) => a * d, 1);
    const warmValues = warm?.get(name);
    let values: Float32Array;
    if (warmValues && warmValues.length === n) values = warmValues;
    else if (init === 'ones') values = new Float32Array(n).fill(1);
    else if (init === 'zeros') values = new Float32Array(n);
    else if (init === 'unit-uniform') values = uniform(substream(config.seed, name), n, 0, 1);
    else {
      // PyTorch Conv2d default: kaiming_uniform(a=√5) for weights and U(±1/√fan_in) for biases, both ±1/√fan_in.
      const bound = 1 / Math.sqrt(fanIn);
      values = uniform(substream(config.seed, name), n, -bound, bound);
    }
    // TF.js variable names are global: prefix each network's so several can live in one process.
    const initial = tf.tensor(values, shape);
    const v = tf.variable(initial, true, `s3net${netId}/${name}`);
    initial.dispose();
    vars.set(name, v);
    return v;
  };

  const conv1x1 = (name: string, cin: number, cout: number) => ({
    w: param(`${name}.w`, [cin, cout], 'pytorch-conv', cin),
    b: param(`${name}.b`, [cout], 'pytorch-conv', cin),
  });
  const batchNorm = (name: string) => ({ gamma: param(`${name}.gamma`, [C], 'ones'), beta: param(`${name}.beta`, [C], 'zeros') });
  const depthwise = (name: string, k: number) => ({
    w: param(`${name}.w`, [k, k, C], 'pytorch-conv', k * k),
    b: param(`${name}.b`, [C], 'pytorch-conv', k * k),
  });

  const stem = {
    w: param('stem.w', [3, 3, 3, C], 'pytorch-conv', 27),
    b: param('stem.b', [C], 'pytorch-conv', 27),
    bn: batchNorm('stem.bn'),
  };
  const blocks = Array.from({ length: ATTENTION_BLOCKS }, (_, i) => {
    const n = `block${i}`;
    return {
      proj1: conv1x1(`${n}.proj1`, C, C),
      lka0: depthwise(`${n}.lka.dw5`, 5),
      branches: LKA_BRANCHES.map(([k, d]) => ({ ...depthwise(`${n}.lka.dw${k}d${d}`, k), dilation: d })),
      // The 1×1 fusion of the concatenated branches (3C → C), kept as three C×C blocks so the branches need no concat.
      fuse: {
        w: [0, 1, 2].map((j) => param(`${n}.lka.fuse.w${j}`, [C, C], 'pytorch-conv', 3 * C)),
        b: param(`${n}.lka.fuse.b`, [C], 'pytorch-conv', 3 * C),
      },
      proj2: conv1x1(`${n}.proj2`, C, C),
      bn: batchNorm(`${n}.bn`),
    };
  });
  const aux = { ...conv1x1('aux', C, C), bn: batchNorm('aux.bn') };
  const freeOffsets = config.offsets === 'uniform';
  const deform = {
    // Weight layout [tap*C + cin, cout] matches the im2col columns; the reference draws it U[0,1) with no bias.
    w: param('deform.w', [9 * C, C], 'unit-uniform'),
    // Free per-pixel offsets and modulation: U[0,1) as the reference, or (default mode) no shift and full weight.
    offset: param('deform.offset', [1, S, S, 18], freeOffsets ? 'unit-uniform' : 'zeros'),
    mask: param('deform.mask', [1, S, S, 9], freeOffsets ? 'unit-uniform' : 'ones'),
    bn: batchNorm('deform.bn'),
  };
  const head = { ...conv1x1('head', C, C), bn: batchNorm('head.bn') };

  // Training-mode BatchNorm (batch statistics), as the reference uses even for its final prediction.
  const bn = (x: tf.Tensor2D, p: { gamma: tf.Variable; beta: tf.Variable }): tf.Tensor2D =>
    batchNormRows(x, p.gamma as tf.Tensor1D, p.beta as tf.Tensor1D);
  const dense = (x: tf.Tensor2D, p: { w: tf.Variable; b: tf.Variable }): tf.Tensor2D =>
    denseOp(x, p.w as tf.Tensor2D, p.b as tf.Tensor1D);
  // The trunk (stem, attention, aux) is fully convolutional: it also runs on the smaller affine view, so square
  // maps take their side from their row count. Only the deformable conv's free offsets are tied to size × size.
  const to4d = (x: tf.Tensor2D) => {
    const side = Math.round(Math.sqrt(x.shape[0]));
    return tf.reshape(x, [1, side, side, -1]) as tf.Tensor4D;
  };
  const to2d = (x: tf.Tensor) => tf.reshape(x, [x.shape[1] as number * (x.shape[2] as number), -1]) as tf.Tensor2D;

  const stages: S3NetStages = {
    // Each stage runs in its own tidy: intermediates the backward pass does not need are freed at once (the engine
    // keeps its own references to what gradients save), instead of living until the end of the whole step.
    stem: (image) => tf.tidy(() => bn(addBias(to2d(tf.conv2d(image, stem.w as tf.Tensor4D, 1, 'same')), stem.b as tf.Tensor1D), stem.bn)),
    attention: (input) => {
      let h = input;
      for (const blk of blocks) {
        h = tf.tidy(() => {
          const g = gelu(dense(h, blk.proj1));
          const a = depthwiseConv(to4d(g), blk.lka0.w as tf.Tensor3D, blk.lka0.b as tf.Tensor1D, 1);
          const branches = blk.branches.map((br) => to2d(depthwiseConv(a, br.w as tf.Tensor3D, br.b as tf.Tensor1D, br.dilation)));
          const fused = branches.map((br, j) => denseOp(br, blk.fuse.w[j] as tf.Tensor2D, j === 0 ? (blk.fuse.b as tf.Tensor1D) : null));
          const attention = tf.addN(fused) as tf.Tensor2D;
          const v = dense(tf.mul(g, attention), blk.proj2);
          return bn(tf.add(h, v), blk.bn);
        });
      }
      return h;
    },
    aux: (h) => tf.tidy(() => bn(dense(h, aux), aux.bn)),
    deformable: (h) =>
      tf.tidy(() => bn(deformConv(to4d(h), deform.offset as tf.Tensor4D, deform.mask as tf.Tensor4D, deform.w as tf.Tensor2D), deform.bn)),
    head: (d) => tf.tidy(() => bn(dense(d, head), head.bn)),
  };

  const forward = (image: tf.Tensor4D): ForwardOutput => {
    const h = stages.attention(stages.stem(image));
    return { logits: stages.head(stages.deformable(h)), aux: stages.aux(h) };
  };

  return {
    variables: [...vars.values()],
    params: { stem, blocks, aux, deform, head },
    stages,
    forward,
    snapshot: () => new Map([...vars].map(([name, v]) => [name, Float32Array.from(v.dataSync() as Float32Array)])),
    dispose: () => vars.forEach((v) => v.dispose()),
  };
}
