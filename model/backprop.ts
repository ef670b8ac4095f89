// One training step's loss and gradients by an explicit backward pass on our kernels (wasm, webgpu), without TF.js's tape.
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
} from './kernels/names';
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

type DenseBnParams = { w: tf.Variable; b: tf.Variable; bn: BatchNormParams };

/** A 1×1 conv + BatchNorm head (main or auxiliary), forward in its own tidy: its output and what its backward reads. */
function denseBnForward(x: tf.Tensor2D, p: DenseBnParams): { y: tf.Tensor2D } & BnSaved {
  return tf.tidy(() => {
    const { y, saved } = bnForward(dense(x, p.w, p.b), p.bn);
    return { y, ...saved };
  });
}

/** Its backward: dx, with the BatchNorm and dense gradients into grads. */
function denseBnBackward(dy: tf.Tensor2D, saved: BnSaved, x: tf.Tensor2D, p: DenseBnParams, grads: Map<tf.Variable, tf.Tensor>): tf.Tensor2D {
  return denseBackward(bnBackward(dy, saved, p.bn, grads), x, p, grads);
}

const disposeAll = (o: object) => tf.dispose(Object.values(o).flat().filter((t): t is tf.Tensor => t instanceof tf.Tensor));

export interface StepResult {
  readonly selfLabel: number;
  /** The consistency term on this input (rot90 ≡ aux vs main argmax); 0 when the step has none (affine mode). */
  readonly consistency: number;
  /** The differentiable spatial term (0 when not asked for). */
  readonly spatial: number;
  /** Argmax labels of this forward pass (the iteration's clustering), length size². */
  readonly labels: Int32Array;
  /** One gradient per variable; the caller disposes them (after the optimiser step). */
  readonly grads: Map<tf.Variable, tf.Tensor>;
}

export interface StepTerms {
  /** The reference's consistency: CE of the auxiliary head against the main argmax, same input. */
  readonly auxConsistency: boolean;
  /** Our differentiable spatial term on the main logits (mean L1 of vertical and horizontal differences). */
  readonly spatialL1: boolean;
}

const reshapers = (side: number, C: number) => ({
  to4d: (x: tf.Tensor) => tf.reshape(x, [1, side, side, C]) as tf.Tensor4D,
  to2d: (x: tf.Tensor) => tf.reshape(x, [side * side, C]) as tf.Tensor2D,
});

/** Stem and attention blocks, forward, keeping what their backward reads. */
function trunkForward(params: S3NetParams, image: tf.Tensor4D, C: number) {
  const side = image.shape[1];
  const { to4d, to2d } = reshapers(side, C);
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
  return { side, stem, blocks, last: h };
}
type TrunkSaves = ReturnType<typeof trunkForward>;

/** Backward through the attention blocks and the stem from dh (the gradient at the trunk's output); frees the saves. */
function trunkBackward(dh: tf.Tensor2D, t: TrunkSaves, params: S3NetParams, image: tf.Tensor4D, C: number, grads: Map<tf.Variable, tf.Tensor>): void {
  const { to4d, to2d } = reshapers(t.side, C);
  for (let i = params.blocks.length - 1; i >= 0; i--) {
    const sv = t.blocks[i] as BlockSaves;
    const dOut = dh;
    dh = tf.tidy(() => blockBackward(dOut, sv, params.blocks[i] as AttentionBlockParams, grads, to4d, to2d));
    dOut.dispose();
    const { h: _input, ...own } = sv;
    disposeAll(own);
  }
  tf.tidy(() => {
    const dz0 = bnBackward(dh, t.stem, params.stem.bn, grads);
    const filterShape = [3, 3, 3, C];
    grads.set(params.stem.w, tf.keep(run('Conv2DBackpropFilter', { x: image, dy: to4d(dz0) }, { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape }) as tf.Tensor));
    grads.set(params.stem.b, tf.keep(columnSum(dz0)));
  });
  dh.dispose();
  disposeAll(t.stem);
}

/**
 * Mean L1 of vertical and horizontal differences of a side × side map of [P, C] logits, and its gradient
 * (sign of each difference, divided by the number of differences, pushed to both ends).
 */
export function spatialL1WithGrad(logits: tf.Tensor2D, side: number): { value: number; grad: tf.Tensor2D } {
  const { value, grad } = spatialL1Terms(logits, side);
  const v = value.dataSync()[0] as number;
  value.dispose();
  return { value: v, grad };
}

function spatialL1Terms(logits: tf.Tensor2D, side: number): { value: tf.Scalar; grad: tf.Tensor2D } {
  const C = logits.shape[1];
  return tf.tidy(() => {
    const r = tf.reshape(logits, [side, side, C]);
    const dy = tf.sub(tf.slice(r, [1, 0, 0], [side - 1, side, C]), tf.slice(r, [0, 0, 0], [side - 1, side, C]));
    const dx = tf.sub(tf.slice(r, [0, 1, 0], [side, side - 1, C]), tf.slice(r, [0, 0, 0], [side, side - 1, C]));
    const n = (side - 1) * side * C;
    const value = tf.div(tf.add(tf.sum(tf.abs(dy)), tf.sum(tf.abs(dx))), n) as tf.Scalar;
    const sy = tf.div(tf.sign(dy), n), sx = tf.div(tf.sign(dx), n);
    // d|a − b|/da = sign, d/db = −sign: each difference pushes its later pixel one way and its earlier one the other.
    const gy = tf.sub(tf.pad(sy, [[1, 0], [0, 0], [0, 0]]), tf.pad(sy, [[0, 1], [0, 0], [0, 0]]));
    const gx = tf.sub(tf.pad(sx, [[0, 0], [1, 0], [0, 0]]), tf.pad(sx, [[0, 0], [0, 1], [0, 0]]));
    return { value, grad: tf.reshape(tf.add(gy, gx), [side * side, C]) as tf.Tensor2D };
  });
}

/** A step's scalars and labels still as tensors (read synchronously on wasm, asynchronously on webgpu). */
interface StepTensors {
  readonly selfLabel: tf.Scalar;
  readonly consistency: tf.Scalar | null;
  readonly spatial: tf.Scalar | null;
  readonly labels: tf.Tensor1D;
  readonly grads: Map<tf.Variable, tf.Tensor>;
}

async function read(t: StepTensors): Promise<StepResult> {
  const parts: (tf.Tensor | null)[] = [t.selfLabel, t.consistency, t.spatial, t.labels];
  try {
    const values = await Promise.all(parts.map((p) => (p ? p.data() : null)));
    const num = (i: number) => (values[i] ? (values[i][0] as number) : 0);
    return { selfLabel: num(0), consistency: num(1), spatial: num(2), labels: Int32Array.from(values[3] as Int32Array), grads: t.grads };
  } catch (err) {
    // A read that fails (a lost device) leaves the caller no gradients to dispose: free them here.
    tf.dispose([...t.grads.values()]);
    throw err;
  } finally {
    tf.dispose(parts.filter((p): p is tf.Tensor => p !== null));
  }
}

function readSync(t: StepTensors): StepResult {
  const parts: (tf.Tensor | null)[] = [t.selfLabel, t.consistency, t.spatial, t.labels];
  const num = (p: tf.Tensor | null) => (p ? (p.dataSync()[0] as number) : 0);
  const result = { selfLabel: num(t.selfLabel), consistency: num(t.consistency), spatial: num(t.spatial), labels: Int32Array.from(t.labels.dataSync() as Int32Array), grads: t.grads };
  tf.dispose(parts.filter((p): p is tf.Tensor => p !== null));
  return result;
}

/**
 * One step's self-labelling loss (3.5·CE), the reference's consistency term (0.2·CE(aux, argmax)) and/or our
 * differentiable spatial term, and all gradients. Faithful mode: auxConsistency, no spatialL1 (the reference's spatial
 * term is a constant). Runs where our kernels are registered (wasm, webgpu): they supply every backward piece.
 */
export function explicitStep(params: S3NetParams, image: tf.Tensor4D, config: S3NetConfig, terms: StepTerms = DEFAULT_TERMS): StepResult {
  return readSync(stepTensors(params, image, config, terms));
}

/** explicitStep with its scalars read asynchronously: the webgpu backend cannot read synchronously outside a page. */
export function explicitStepAsync(params: S3NetParams, image: tf.Tensor4D, config: S3NetConfig, terms: StepTerms = DEFAULT_TERMS): Promise<StepResult> {
  return read(stepTensors(params, image, config, terms));
}

const DEFAULT_TERMS: StepTerms = { auxConsistency: true, spatialL1: false };

/**
 * Runs a step in its own engine scope: if it throws halfway (a GPU lost mid-step), every tensor it made is freed,
 * the kept gradients included; on success only the step's results leave the scope.
 */
function scoped<T extends { grads: Map<tf.Variable, tf.Tensor> }>(results: (t: T) => (tf.Tensor | null)[], f: (grads: Map<tf.Variable, tf.Tensor>) => T): T {
  const grads = new Map<tf.Variable, tf.Tensor>();
  tf.engine().startScope();
  let out: T;
  try {
    out = f(grads);
  } catch (err) {
    tf.dispose([...grads.values()]);
    tf.engine().endScope();
    throw err;
  }
  tf.engine().endScope(results(out).filter((t): t is tf.Tensor => t !== null));
  return out;
}

function stepTensors(params: S3NetParams, image: tf.Tensor4D, config: S3NetConfig, terms: StepTerms): StepTensors {
  return scoped((t) => [t.selfLabel, t.consistency, t.spatial, t.labels], (grads) => stepInScope(params, image, config, terms, grads));
}

function stepInScope(params: S3NetParams, image: tf.Tensor4D, config: S3NetConfig, terms: StepTerms, grads: Map<tf.Variable, tf.Tensor>): StepTensors {
  const S = config.size, C = config.channels;
  const { to4d, to2d } = reshapers(S, C);

  // ---- forward: each stage in its own tidy, returning only what its backward reads ----
  const trunk = trunkForward(params, image, C);
  const last = trunk.last;
  const aux = terms.auxConsistency ? denseBnForward(last, params.aux) : null;
  const def = tf.tidy(() => {
    const zd = run(DEFORM_CONV, { x: to4d(last), offset: params.deform.offset, mask: params.deform.mask, w: params.deform.w }) as tf.Tensor2D;
    const { y, saved } = bnForward(zd, params.deform.bn);
    return { y, ...saved };
  });
  const head = denseBnForward(def.y, params.head);

  // ---- losses: the kernels return each term's gradient, (softmax − onehot) / P ----
  const [ceLoss, ceGrad, target] = run(SOFTMAX_XENT, { logits: head.y }) as [tf.Scalar, tf.Tensor2D, tf.Tensor1D];
  let consistency: tf.Scalar | null = null;
  let consGrad: tf.Tensor2D | null = null;
  if (aux) {
    const [consLoss, g, consArgmax] = run(SOFTMAX_XENT, { logits: aux.y, labels: target }) as [tf.Scalar, tf.Tensor2D, tf.Tensor1D];
    consistency = consLoss;
    consGrad = g;
    tf.dispose([consArgmax, aux.y]);
  }
  const spatial = terms.spatialL1 ? spatialL1Terms(head.y, S) : null;
  tf.dispose([head.y]);

  // ---- backward, freeing each stage's saves and gradients as soon as they are used ----
  const dd = tf.tidy(() => {
    let dLogits = tf.mul(ceGrad, config.selfLabelWeight) as tf.Tensor2D;
    if (spatial) dLogits = tf.add(dLogits, tf.mul(spatial.grad, config.spatialWeight)) as tf.Tensor2D;
    return denseBnBackward(dLogits, head, def.y, params.head, grads);
  });
  disposeAll(head);
  tf.dispose([ceGrad, ...(spatial ? [spatial.grad] : [])]);
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
  let dh = dhDeform;
  if (aux && consGrad) {
    const g = consGrad;
    dh = tf.tidy(() => tf.add(dhDeform, denseBnBackward(tf.mul(g, config.consistencyWeight) as tf.Tensor2D, aux, last, params.aux, grads)) as tf.Tensor2D);
    tf.dispose([dhDeform, g]);
    disposeAll(aux);
  }
  trunkBackward(dh, trunk, params, image, C, grads);
  return { selfLabel: ceLoss, consistency, spatial: spatial?.value ?? null, labels: target, grads };
}

/**
 * The affine consistency pass: the auxiliary head on the transformed view T(x) against T(labels) (−1 outside the
 * image: no loss there), weighted by consistencyWeight. Returns the term and the gradients of the trunk and aux head.
 */
export function affineConsistencyStep(params: S3NetParams, view: tf.Tensor4D, labels: tf.Tensor1D, config: S3NetConfig): { consistency: number; grads: Map<tf.Variable, tf.Tensor> } {
  const { consistency, grads } = affineTensors(params, view, labels, config);
  const value = consistency.dataSync()[0] as number;
  consistency.dispose();
  return { consistency: value, grads };
}

/** affineConsistencyStep, its term read asynchronously (webgpu). */
export async function affineConsistencyStepAsync(params: S3NetParams, view: tf.Tensor4D, labels: tf.Tensor1D, config: S3NetConfig): Promise<{ consistency: number; grads: Map<tf.Variable, tf.Tensor> }> {
  const { consistency, grads } = affineTensors(params, view, labels, config);
  try {
    return { consistency: (await consistency.data())[0] as number, grads };
  } catch (err) {
    tf.dispose([...grads.values()]);
    throw err;
  } finally {
    consistency.dispose();
  }
}

function affineTensors(params: S3NetParams, view: tf.Tensor4D, labels: tf.Tensor1D, config: S3NetConfig): { consistency: tf.Scalar; grads: Map<tf.Variable, tf.Tensor> } {
  return scoped((t) => [t.consistency], (grads) => affineInScope(params, view, labels, config, grads));
}

function affineInScope(params: S3NetParams, view: tf.Tensor4D, labels: tf.Tensor1D, config: S3NetConfig, grads: Map<tf.Variable, tf.Tensor>): { consistency: tf.Scalar; grads: Map<tf.Variable, tf.Tensor> } {
  const C = config.channels;
  const trunk = trunkForward(params, view, C);
  const aux = denseBnForward(trunk.last, params.aux);
  const [consistency, g, argmax] = run(SOFTMAX_XENT, { logits: aux.y, labels }) as [tf.Scalar, tf.Tensor2D, tf.Tensor1D];
  tf.dispose([argmax, aux.y]);
  const dh = tf.tidy(() => denseBnBackward(tf.mul(g, config.consistencyWeight) as tf.Tensor2D, aux, trunk.last, params.aux, grads));
  g.dispose();
  disposeAll(aux);
  trunkBackward(dh, trunk, params, view, C, grads);
  return { consistency, grads };
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
