// The WebGPU test page: runs the kernel cases, a whole training step and full training runs on webgpu and cpu.
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { tf } from '../../../model/tf';
import { provideKernelBinaries } from '../../../model/kernels/binding';
import { chooseBackend } from '../../../model/backend';
import { registerS3Kernels } from '../../../model/kernels/register';
import { validateConfig, type S3NetConfig } from '../../../model/config';
import { createS3Net } from '../../../model/network';
import { affineConsistencyStepAsync, explicitStepAsync } from '../../../model/backprop';
import { randomAffine, warpLabels, warpRgb } from '../../../model/affine';
import { mulberry32 } from '../../../model/random';
import { crossEntropy, faithfulConsistencyLoss, selfLabelLoss, spatialLoss } from '../../../model/losses';
import { trainImage } from '../../../model/trainer';
import { KERNEL_CASES, randomArray } from '../cases';
import { timeIterations } from '../iteration';

// The trainer yields to the event loop between iterations with Node's setImmediate.
(globalThis as { setImmediate?: unknown }).setImmediate ??= (f: () => void) => setTimeout(f, 0);
registerS3Kernels();
// The wasm backend (the fallback) fetches TF.js's binaries and our kernels from this page's server.
setWasmPaths(new URL('wasm/', location.href).href);
const fetchWasm = async (name: string) => new Uint8Array(await (await fetch(`wasm/${name}`)).arrayBuffer());
const kernelsFetched = Promise.all([fetchWasm('s3kernels-relaxed.wasm'), fetchWasm('s3kernels.wasm')]).then(([relaxed, simd]) => provideKernelBinaries({ relaxed, simd }));

export interface Compared {
  readonly label: string;
  /** max |webgpu − cpu| / max(1, max |cpu|) (the wasm tests' measure). */
  readonly relative: number;
  readonly referenceMax: number;
}

async function onBackend(name: 'cpu' | 'webgpu', fn: () => tf.Tensor[]): Promise<{ arrays: Float32Array[]; leaked: number }> {
  await tf.setBackend(name);
  const before = tf.memory().numTensors;
  const outs = tf.tidy(fn);
  const arrays = (await Promise.all(outs.map((t) => t.data()))).map((a) => Float32Array.from(a));
  tf.dispose(outs);
  return { arrays, leaked: tf.memory().numTensors - before };
}

const maxAbs = (a: Float32Array) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
function compare(got: Float32Array, ref: Float32Array, label: string, scaleFloor = 1): Compared {
  if (got.length !== ref.length) throw new Error(`${label}: length ${got.length} vs ${ref.length}`);
  let d = 0;
  for (let i = 0; i < ref.length; i++) d = Math.max(d, Math.abs((got[i] as number) - (ref[i] as number)));
  const referenceMax = maxAbs(ref);
  return { label, relative: d / Math.max(scaleFloor, referenceMax), referenceMax };
}

async function adapter() {
  const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<{ info?: Record<string, string> } | null> } }).gpu;
  const a = gpu ? await gpu.requestAdapter() : null;
  const info = a?.info;
  return info ? { vendor: info.vendor, architecture: info.architecture, device: info.device, description: info.description } : null;
}

async function kernelCase(index: number) {
  const c = KERNEL_CASES[index];
  if (!c) throw new Error(`no kernel case ${index}`);
  const ref = await onBackend('cpu', c.run);
  const got = await onBackend('webgpu', c.run);
  return { name: c.name, compared: ref.arrays.map((r, i) => compare(got.arrays[i] as Float32Array, r, c.outputs[i] ?? `output ${i}`)), leaked: got.leaked };
}

/** One faithful-mode step: explicit backward pass on webgpu vs TF.js's tape on cpu (same seed, same image). */
async function trainingStep(size: number, channels: number) {
  const config = validateConfig({ size, channels, seed: 11 });
  const image = randomArray(size * size * 3, 51, 0, 1);
  await tf.setBackend('webgpu');
  const before = tf.memory().numTensors;
  const gpuNet = createS3Net(config);
  const input = tf.tensor4d(image, [1, size, size, 3]);
  const step = await explicitStepAsync(gpuNet.params, input, config);
  const gpuGrads = await Promise.all(gpuNet.variables.map(async (v) => Float32Array.from(await (step.grads.get(v) as tf.Tensor).data())));
  const names = gpuNet.variables.map((v) => v.name.split('/').slice(1).join('/'));
  tf.dispose([...step.grads.values(), input]);
  gpuNet.dispose();
  const leaked = tf.memory().numTensors - before;

  await tf.setBackend('cpu');
  const net = createS3Net(config);
  const x = tf.tensor4d(image, [1, size, size, 3]);
  let ce = 0, cons = 0;
  let labels = new Int32Array();
  const { grads } = tf.variableGrads(() => {
    const { logits, aux } = net.forward(x);
    const self = selfLabelLoss(logits);
    const c = faithfulConsistencyLoss(aux, self.target);
    ce = self.loss.dataSync()[0] as number;
    cons = c.dataSync()[0] as number;
    labels = Int32Array.from(self.target.dataSync() as Int32Array);
    return tf.add(tf.mul(self.loss, config.selfLabelWeight), tf.mul(c, config.consistencyWeight)) as tf.Scalar;
  }, net.variables as tf.Variable[]);
  const refGrads = net.variables.map((v) => Float32Array.from((grads[v.name] as tf.Tensor).dataSync()));
  tf.dispose(Object.values(grads));
  x.dispose();
  net.dispose();
  const sameLabels = labels.reduce((n, l, i) => n + (l === step.labels[i] ? 1 : 0), 0) / labels.length;
  return {
    selfLabel: { webgpu: step.selfLabel, cpu: ce },
    consistency: { webgpu: step.consistency, cpu: cons },
    labelAgreement: sameLabels,
    // Relative to each gradient's own scale (floor 1e-3), as the explicit-vs-tape test on wasm.
    grads: refGrads.map((r, i) => compare(gpuGrads[i] as Float32Array, r, names[i] as string, 1e-3)),
    leaked,
  };
}

/** Default mode's optional terms (differentiable L1 spatial, the affine pass) on webgpu vs the cpu tape. */
async function defaultTermsStep() {
  const size = 32, V = 24;
  const config = validateConfig({ size, channels: 8, seed: 12, mode: 'default', consistency: 'affine', spatial: 'l1', consistencySize: V });
  const image = randomArray(size * size * 3, 52, 0, 1);
  const t = randomAffine(mulberry32(5), size, V);
  const viewData = warpRgb(image, size, t, V);
  await tf.setBackend('webgpu');
  const before = tf.memory().numTensors;
  const gpuNet = createS3Net(config);
  const input = tf.tensor4d(image, [1, size, size, 3]), view = tf.tensor4d(viewData, [1, V, V, 3]);
  const step = await explicitStepAsync(gpuNet.params, input, config, { auxConsistency: false, spatialL1: true });
  const viewLabels = warpLabels(step.labels, size, t, V);
  const tl = tf.tensor1d(viewLabels, 'int32');
  const pass = await affineConsistencyStepAsync(gpuNet.params, view, tl, config);
  const sum = async (v: tf.Variable) => {
    const a = step.grads.get(v), b = pass.grads.get(v);
    const n = v.shape.reduce((x, d) => x * d, 1);
    const [av, bv] = [a ? await a.data() : null, b ? await b.data() : null];
    return Float32Array.from({ length: n }, (_, k) => (av?.[k] ?? 0) + (bv?.[k] ?? 0));
  };
  const gpuGrads = await Promise.all(gpuNet.variables.map(sum));
  const names = gpuNet.variables.map((v) => v.name.split('/').slice(1).join('/'));
  tf.dispose([...step.grads.values(), ...pass.grads.values(), tl, input, view]);
  gpuNet.dispose();
  const leaked = tf.memory().numTensors - before;

  await tf.setBackend('cpu');
  const net = createS3Net(config);
  const x = tf.tensor4d(image, [1, size, size, 3]), xv = tf.tensor4d(viewData, [1, V, V, 3]), tlc = tf.tensor1d(viewLabels, 'int32');
  let ce = 0, sp = 0, cons = 0;
  const { grads } = tf.variableGrads(() => {
    const { logits } = net.forward(x);
    const self = selfLabelLoss(logits);
    const spatial = spatialLoss(logits, size);
    const c = crossEntropy(net.stages.aux(net.stages.attention(net.stages.stem(xv))), tlc);
    [ce, sp, cons] = [self.loss, spatial, c].map((v) => v.dataSync()[0] as number) as [number, number, number];
    return tf.addN([tf.mul(self.loss, config.selfLabelWeight), tf.mul(spatial, config.spatialWeight), tf.mul(c, config.consistencyWeight)]) as tf.Scalar;
  }, net.variables as tf.Variable[]);
  const refGrads = net.variables.map((v) => Float32Array.from((grads[v.name] as tf.Tensor).dataSync()));
  tf.dispose([...Object.values(grads), x, xv, tlc]);
  net.dispose();
  return {
    selfLabel: { webgpu: step.selfLabel, cpu: ce },
    spatial: { webgpu: step.spatial, cpu: sp },
    consistency: { webgpu: pass.consistency, cpu: cons },
    outside: viewLabels.filter((l) => l < 0).length,
    grads: refGrads.map((r, i) => compare(gpuGrads[i] as Float32Array, r, names[i] as string, 1e-3)),
    leaked,
  };
}

/** Full training on webgpu (the trainer's own path) of an image already at the working size. */
async function train(data: number[], partial: Partial<S3NetConfig>) {
  const config = validateConfig({ ...partial, backend: 'webgpu' });
  const S = config.size;
  await tf.setBackend('webgpu');
  const before = tf.memory().numTensors;
  const r = await trainImage({ width: S, height: S, data: Float32Array.from(data) }, config);
  return { labels: Array.from(r.labels), iterations: r.iterations, seconds: r.seconds, backend: r.backend, leaked: tf.memory().numTensors - before };
}

type Failure = 'device-lost' | 'out-of-memory';

/** Makes the GPU fail as it can in use: the device destroyed (lost), or an out-of-memory error raised on it. */
function failGpu(kind: Failure): void {
  const device = (tf.backend() as unknown as { device: GPUDevice }).device;
  if (kind === 'device-lost') device.destroy();
  else device.dispatchEvent(new GPUUncapturedErrorEvent('uncapturederror', { error: new GPUOutOfMemoryError('simulated: buffer allocation failed') }));
}

/** Trains on webgpu and makes the GPU fail at an iteration: the trainer must fall back and still give labels. */
async function trainThroughFailure(data: number[], partial: Partial<S3NetConfig>, kind: Failure, atIteration: number) {
  await kernelsFetched;
  const config = validateConfig({ ...partial, backend: 'webgpu' });
  await tf.setBackend('webgpu');
  const before = tf.memory().numTensors;
  const seen: string[] = [];
  const r = await trainImage({ width: config.size, height: config.size, data: Float32Array.from(data) }, config, {
    onProgress: (p) => {
      seen.push(`${tf.getBackend()}:${p.iteration}`);
      if (p.iteration === atIteration && tf.getBackend() === 'webgpu') failGpu(kind);
    },
  });
  const after = await chooseBackend('webgpu').catch((e: Error) => ({ name: `error: ${e.message}`, skipped: [] }));
  return { backend: r.backend, fallback: r.fallback ?? null, labels: Array.from(r.labels), clusters: r.clusters, seen, leaked: tf.memory().numTensors - before, nextChoice: after };
}

async function benchIteration(size: number, channels: number, runs: number) {
  await tf.setBackend('webgpu');
  return timeIterations(size, channels, runs);
}

const api = { adapter, benchIteration, caseCount: () => KERNEL_CASES.length, kernelCase, trainingStep, defaultTermsStep, train, trainThroughFailure };
export type WebGpuPageApi = typeof api;
(window as unknown as { s3gpu: WebGpuPageApi }).s3gpu = api;
