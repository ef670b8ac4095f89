// One training step's loss and gradients by an explicit backward pass on the wasm kernels, without TF.js's tape.
//
// The tape keeps every forward intermediate and every gradient alive until the whole backward pass ends (≈1.3 GB
// at 256×256×64). Here each block saves only what its backward needs, and each gradient is freed once used.
// The tape-based path (network.forward + tf.variableGrads) stays the reference: tests compare the two.
import { tf } from './tf';
import type { S3NetConfig } from './config';
import type { AttentionBlockParams, BatchNormParams, S3NetParams } from './network';
import {
  BATCH_NORM,
  BATCH_NORM_GRAD,
  DEFORM_CONV,
  DEFORM_CONV_GRAD,
  DEPTHWISE,
  DEPTHWISE_BACKPROP_FILTER,
  DEPTHWISE_BACKPROP_INPUT,
  GELU,
  GELU_GRAD,
  SOFTMAX_XENT,
} from './kernels/register';
import { columnSum, matMulRows, matMulTransposeA } from './ops/rows';

const run = (name: string, inputs: tf.NamedTensorMap, attrs: Record<string, number | number[] | string> = {}) =>
  tf.engine().runKernel(name, inputs, attrs) as tf.Tensor | tf.Tensor[];

interface BnSaved {
  readonly x: tf.Tensor2D;
  readonly mean: tf.Tensor1D;
  readonly rstd: tf.Tensor1D;
}

function bnForward(x: tf.Tensor2D, p: BatchNormParams): { y: tf.Tensor2D; saved: BnSaved } {
  const [y, mean, rstd] = run(BATCH_NORM, { x, gamma: p.gamma, beta: p.beta }) as [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D];
  return { y, saved: { x, mean, rstd } };
}

function bnBackward(dy: tf.Tensor2D, s: BnSaved, p: BatchNormParams, grads: Map<tf.Variable, tf.Tensor>): tf.Tensor2D {
  const [dx, dgamma, dbeta] = run(BATCH_NORM_GRAD, { dy, x: s.x, mean: s.mean, rstd: s.rstd, gamma: p.gamma }) as tf.Tensor[];
  // Parameter gradients outlive the tidy they are made in; the caller disposes them after the optimiser step.
  grads.set(p.gamma, tf.keep(dgamma as tf.Tensor));
  grads.set(p.beta, tf.keep(dbeta as tf.Tensor));
  return dx as tf.Tensor2D;
}

const dense = (x: tf.Tensor2D, w: tf.Tensor, b: tf.Tensor | null): tf.Tensor2D => {
  const y = matMulRows(x, w as tf.Tensor2D);
  return (b ? tf.add(y, b) : y) as tf.Tensor2D;
};

/** dx of a dense layer, and its weight and bias gradients into grads. */
function denseBackward(dy: tf.Tensor2D, x: tf.Tensor2D, p: { w: tf.Variable; b: tf.Variable | null }, grads: Map<tf.Variable, tf.Tensor>): tf.Tensor2D {
  grads.set(p.w, tf.keep(matMulTransposeA(x, dy)));
  if (p.b) grads.set(p.b, tf.keep(columnSum(dy)));
  return matMulRows(dy, tf.transpose(p.w as tf.Tensor2D));
}

const disposeAll = (o: object) => tf.dispose(Object.values(o).flat().filter((t): t is tf.Tensor => t instanceof tf.Tensor));

export interface StepResult {
  readonly selfLabel: number;
  readonly consistency: number;
  /** Argmax labels of this forward pass (the iteration's clustering), length size². */
  readonly labels: Int32Array;
  /** One gradient per variable; the caller disposes them (after the optimiser step). */
  readonly grads: Map<tf.Variable, tf.Tensor>;
}

/**
 * Faithful-mode loss (3.5·CE + 0.2·consistency; the reference's spatial term is a constant) and all gradients.
 * Runs on the wasm backend only (its kernels supply every backward piece).
 */
export function explicitStep(params: S3NetParams, image: tf.Tensor4D, config: S3NetConfig): StepResult {
  const S = config.size, C = config.channels, P = S * S;
  const to4d = (x: tf.Tensor) => tf.reshape(x, [1, S, S, C]) as tf.Tensor4D;
  const to2d = (x: tf.Tensor) => tf.reshape(x, [P, C]) as tf.Tensor2D;
  const grads = new Map<tf.Variable, tf.Tensor>();

  // ---- forward: each stage in its own tidy, returning only what its backward reads ----
  const stem = tf.tidy(() => {
    const z0 = tf.add(to2d(tf.conv2d(image, params.stem.w as tf.Tensor4D, 1, 'same')), params.stem.b) as tf.Tensor2D;
    const { y, saved } = bnForward(z0, params.stem.bn);
    return { y, ...saved };
  });
  let h = stem.y;
  const blocks: BlockSaves[] = [];
  for (const blk of params.blocks) {
    const input = h;
    const sv = tf.tidy(() => blockForward(input, blk, to4d, to2d));
    blocks.push(sv);
    h = sv.out;
  }
  const last = h;
  const aux = tf.tidy(() => {
    const { y, saved } = bnForward(dense(last, params.aux.w, params.aux.b), params.aux.bn);
    return { y, ...saved };
  });
  const def = tf.tidy(() => {
    const zd = run(DEFORM_CONV, { x: to4d(last), offset: params.deform.offset, mask: params.deform.mask, w: params.deform.w }) as tf.Tensor2D;
    const { y, saved } = bnForward(zd, params.deform.bn);
    return { y, ...saved };
  });
  const head = tf.tidy(() => {
    const { y, saved } = bnForward(dense(def.y, params.head.w, params.head.b), params.head.bn);
    return { y, ...saved };
  });

  // ---- losses: the kernels return each term's gradient, (softmax − onehot) / P ----
  const [ceLoss, ceGrad, target] = run(SOFTMAX_XENT, { logits: head.y }) as [tf.Scalar, tf.Tensor2D, tf.Tensor1D];
  const [consLoss, consGrad, consArgmax] = run(SOFTMAX_XENT, { logits: aux.y, labels: target }) as [tf.Scalar, tf.Tensor2D, tf.Tensor1D];
  const selfLabel = ceLoss.dataSync()[0] as number;
  const consistency = consLoss.dataSync()[0] as number;
  const labels = Int32Array.from(target.dataSync() as Int32Array);
  tf.dispose([ceLoss, consLoss, target, consArgmax, head.y, aux.y]);

  // ---- backward, freeing each stage's saves and gradients as soon as they are used ----
  const dd = tf.tidy(() => {
    const dzh = bnBackward(tf.mul(ceGrad, config.selfLabelWeight) as tf.Tensor2D, head, params.head.bn, grads);
    return denseBackward(dzh, def.y, params.head, grads);
  });
  disposeAll(head);
  ceGrad.dispose();
  const dhDeform = tf.tidy(() => {
    const dzd = bnBackward(dd, def, params.deform.bn, grads);
    const [dx, doffset, dmask, dw] = run(DEFORM_CONV_GRAD, { x: to4d(last), offset: params.deform.offset, mask: params.deform.mask, w: params.deform.w, dy: dzd }) as tf.Tensor[];
    grads.set(params.deform.offset, tf.keep(doffset as tf.Tensor));
    grads.set(params.deform.mask, tf.keep(dmask as tf.Tensor));
    grads.set(params.deform.w, tf.keep(dw as tf.Tensor));
    return to2d(dx as tf.Tensor);
  });
  tf.dispose([dd]);
  disposeAll(def);
  let dh = tf.tidy(() => {
    const dza = bnBackward(tf.mul(consGrad, config.consistencyWeight) as tf.Tensor2D, aux, params.aux.bn, grads);
    return tf.add(dhDeform, denseBackward(dza, last, params.aux, grads)) as tf.Tensor2D;
  });
  tf.dispose([dhDeform, consGrad]);
  disposeAll(aux);
  for (let i = params.blocks.length - 1; i >= 0; i--) {
    const sv = blocks[i] as BlockSaves;
    const dOut = dh;
    dh = tf.tidy(() => blockBackward(dOut, sv, params.blocks[i] as AttentionBlockParams, grads, to4d, to2d));
    dOut.dispose();
    const { h: _input, ...own } = sv;
    disposeAll(own);
  }
  tf.tidy(() => {
    const dz0 = bnBackward(dh, stem, params.stem.bn, grads);
    const filterShape = [3, 3, 3, C];
    grads.set(params.stem.w, tf.keep(run('Conv2DBackpropFilter', { x: image, dy: to4d(dz0) }, { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape }) as tf.Tensor));
    grads.set(params.stem.b, tf.keep(columnSum(dz0)));
  });
  dh.dispose();
  disposeAll(stem);
  return { selfLabel, consistency, labels, grads };
}

type BlockSaves = ReturnType<typeof blockForward>;

function blockForward(h: tf.Tensor2D, blk: AttentionBlockParams, to4d: (x: tf.Tensor) => tf.Tensor4D, to2d: (x: tf.Tensor) => tf.Tensor2D) {
  const u = dense(h, blk.proj1.w, blk.proj1.b);
  const g = run(GELU, { x: u }) as tf.Tensor2D;
  const a = run(DEPTHWISE, { x: to4d(g), filter: blk.lka0.w, bias: blk.lka0.b }, { dilation: 1 }) as tf.Tensor4D;
  const s = blk.branches.map((br) => to2d(run(DEPTHWISE, { x: a, filter: br.w, bias: br.b }, { dilation: br.dilation }) as tf.Tensor));
  const att = tf.addN(s.map((sj, j) => dense(sj, blk.fuse.w[j] as tf.Variable, j === 0 ? blk.fuse.b : null))) as tf.Tensor2D;
  const m = tf.mul(g, att) as tf.Tensor2D;
  const { y, saved } = bnForward(tf.add(h, dense(m, blk.proj2.w, blk.proj2.b)) as tf.Tensor2D, blk.bn);
  return { h, u, g, a, s, att, m, x: saved.x, mean: saved.mean, rstd: saved.rstd, out: y };
}

function blockBackward(
  dOut: tf.Tensor2D,
  sv: BlockSaves,
  blk: AttentionBlockParams,
  grads: Map<tf.Variable, tf.Tensor>,
  to4d: (x: tf.Tensor) => tf.Tensor4D,
  to2d: (x: tf.Tensor) => tf.Tensor2D,
): tf.Tensor2D {
  const dz = bnBackward(dOut, sv, blk.bn, grads);
  const dm = denseBackward(dz, sv.m, blk.proj2, grads);
  const datt = tf.mul(dm, sv.g) as tf.Tensor2D;
  grads.set(blk.fuse.b, tf.keep(columnSum(datt)));
  let da: tf.Tensor | null = null;
  blk.branches.forEach((br, j) => {
    const fw = blk.fuse.w[j] as tf.Variable;
    grads.set(fw, tf.keep(matMulTransposeA(sv.s[j] as tf.Tensor2D, datt)));
    const ds = to4d(matMulRows(datt, tf.transpose(fw as tf.Tensor2D)));
    grads.set(br.w, tf.keep(run(DEPTHWISE_BACKPROP_FILTER, { x: sv.a, dy: ds }, { dilation: br.dilation, kernelSize: br.w.shape[0] as number }) as tf.Tensor));
    grads.set(br.b, tf.keep(columnSum(to2d(ds))));
    const daj = run(DEPTHWISE_BACKPROP_INPUT, { dy: ds, filter: br.w }, { dilation: br.dilation }) as tf.Tensor;
    da = da ? tf.add(da, daj) : daj;
  });
  const da4 = to4d(da as unknown as tf.Tensor);
  grads.set(blk.lka0.w, tf.keep(run(DEPTHWISE_BACKPROP_FILTER, { x: to4d(sv.g), dy: da4 }, { dilation: 1, kernelSize: 5 }) as tf.Tensor));
  grads.set(blk.lka0.b, tf.keep(columnSum(to2d(da4))));
  const dg = tf.add(tf.mul(dm, sv.att), to2d(run(DEPTHWISE_BACKPROP_INPUT, { dy: da4, filter: blk.lka0.w }, { dilation: 1 }) as tf.Tensor));
  const du = run(GELU_GRAD, { x: sv.u, dy: dg }) as tf.Tensor2D;
  return tf.add(denseBackward(du, sv.h, blk.proj1, grads), dz) as tf.Tensor2D;
}
