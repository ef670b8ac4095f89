// S3-Net benchmark: one training iteration at 256×256×64 per backend (median of ≥5), split by stage, GFLOP/s
// against METHOD.md's FLOP count, time to the stop rule on three dev images, peak RSS.
// Usage: node main/cli/run-ts.mjs test/bench/model.ts [--backends wasm,cpu] [--runs 5] [--size 256] [--images 3]
import { resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import sharp from 'sharp';
import { tf } from '../../model/tf';
import { validateConfig, type S3NetConfig } from '../../model/config';
import { createS3Net, type S3Net } from '../../model/network';
import { selfLabelLoss, faithfulConsistencyLoss } from '../../model/losses';
import { createMomentumSgd } from '../../model/optimizer';
import { describeBackends, useBackend } from '../../model/backend';
import { forwardMacs, iterationFlops } from '../../model/flops';
import { trainImage } from '../../model/trainer';
import { explicitStep } from '../../model/backprop';
import type { BackendName, RgbImage } from '../../model/types';

/** The reference PyTorch code on this machine's CPU (METHOD.md, measured by the author): s per iteration. */
const REFERENCE_SECONDS_PER_ITERATION = 4.77;
const DEV_IMAGES = ['ISIC_0012099', 'ISIC_0012288', 'ISIC_0014610'];
const DATA = resolve(import.meta.dirname, '../../../shared/data');

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const fmt = (ms: number) => `${ms.toFixed(0).padStart(6)} ms`;

async function timeIt(runs: number, f: () => void): Promise<number> {
  f(); // warm-up: first use compiles kernels and grows the wasm heap
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    f();
    times.push(performance.now() - t);
    await new Promise((r) => setImmediate(r));
  }
  return median(times);
}

/** Forward and backward of one stage on a random input, w.r.t. the input and every parameter it uses. */
function stageStep(net: S3Net, stage: (x: tf.Tensor2D) => tf.Tensor2D, P: number, C: number): () => void {
  // Inputs are made once, outside the timed region (TF.js draws random numbers in JavaScript).
  const x = tf.randomNormal([P, C]) as tf.Tensor2D;
  const u = tf.randomNormal([P, C]);
  return () =>
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(stage(x), u)) as tf.Scalar, net.variables as tf.Variable[]);
      value.dataSync();
      Object.values(grads).forEach((g) => g.dataSync());
    });
}

function lossStep(P: number, C: number): () => void {
  const logits = tf.randomNormal([P, C]), aux = tf.randomNormal([P, C]);
  return () =>
    tf.tidy(() => {
      const g = tf.grads((l: tf.Tensor, a: tf.Tensor) => {
        const self = selfLabelLoss(l as tf.Tensor2D);
        return tf.add(tf.mul(self.loss, 3.5), tf.mul(faithfulConsistencyLoss(a as tf.Tensor2D, self.target), 0.2)) as tf.Scalar;
      })([logits, aux]);
      g.forEach((t) => t.dataSync());
    });
}

function fullIteration(net: S3Net, config: S3NetConfig): () => void {
  const S = config.size;
  const input = tf.randomUniform([1, S, S, 3]) as tf.Tensor4D;
  const sgd = createMomentumSgd(net.variables, config.learningRate, config.momentum);
  if (tf.getBackend() === 'wasm') {
    // The trainer's path on wasm: the explicit backward pass.
    return () => {
      const step = explicitStep(net.params, input, config);
      sgd.step(Object.fromEntries([...step.grads].map(([v, g]) => [v.name, g])));
      tf.dispose([...step.grads.values()]);
    };
  }
  return () => {
    const { value, grads } = tf.variableGrads(() => {
      const { logits, aux } = net.forward(input);
      const self = selfLabelLoss(logits);
      return tf.add(tf.mul(self.loss, 3.5), tf.mul(faithfulConsistencyLoss(aux, self.target), 0.2)) as tf.Scalar;
    }, net.variables as tf.Variable[]);
    sgd.step(grads);
    value.dataSync();
    tf.dispose([value, ...Object.values(grads)]);
  };
}

async function loadDevImage(id: string): Promise<RgbImage> {
  const { data, info } = await sharp(resolve(DATA, 'skin/isic2017/images', `${id}.jpg`)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: Float32Array.from(data, (v) => v / 255) };
}

async function main(): Promise<void> {
  const runs = Math.max(5, Number(flag('runs', '5')));
  const size = Number(flag('size', '256'));
  const report = await describeBackends();
  console.log('S3-Net benchmark — machine:', `${(await import('node:os')).cpus().length} cores,`, process.version);
  for (const [name, a] of Object.entries(report.available)) console.log(`  backend ${name.padEnd(10)} ${a.ok ? 'available' : 'unavailable'}: ${a.detail}`);
  // cpu is pure JavaScript, for tests only: minutes per iteration at 256. Asked for explicitly, it is measured too.
  const requested = flag('backends', report.available.tensorflow.ok ? 'tensorflow,wasm' : 'wasm').split(',') as BackendName[];
  const config = validateConfig({ size });
  const flops = iterationFlops(config);
  const macs = forwardMacs(config);
  console.log(`\niteration at ${size}×${size}×${config.channels}: ${(flops / 1e9).toFixed(1)} GFLOP (forward ${(Object.values(macs).reduce((a, b) => a + b, 0) / 1e9).toFixed(2)} G multiply-adds), median of ${runs} runs`);

  for (const backend of requested) {
    if (!report.available[backend]?.ok) {
      console.log(`\n[${backend}] unavailable: ${report.available[backend]?.detail ?? 'unknown backend'}`);
      continue;
    }
    await useBackend(backend);
    const net = createS3Net(config);
    const P = size * size, C = config.channels;
    const stageFlops = (m: number) => 3 * 2 * m;
    // The iteration as trained goes first, on a fresh heap; the per-stage runs go through TF.js's tape afterwards.
    const full = await timeIt(runs, fullIteration(net, config));
    const rows: [string, number, number][] = [
      ['attention blocks (fwd+bwd, tape)', await timeIt(runs, stageStep(net, net.stages.attention, P, C)), stageFlops(macs.attention)],
      ['deformable conv (fwd+bwd, tape)', await timeIt(runs, stageStep(net, net.stages.deformable, P, C)), stageFlops(macs.deformable)],
      ['losses (CE + consistency, tape)', await timeIt(runs, lossStep(P, C)), 0],
      ['full iteration (as trained: fwd+bwd+SGD)', full, flops],
    ];
    net.dispose();
    console.log(`\n[${backend}]`);
    for (const [label, ms, f] of rows) {
      const gflops = f > 0 ? `${(f / 1e9 / (ms / 1000)).toFixed(1).padStart(5)} GFLOP/s` : '';
      console.log(`  ${label.padEnd(38)} ${fmt(ms)}  ${gflops}`);
    }
    const iter = (rows.at(-1) as [string, number, number])[1] / 1000;
    console.log(`  ratio: reference PyTorch ${REFERENCE_SECONDS_PER_ITERATION} s / ours ${iter.toFixed(2)} s = ${(REFERENCE_SECONDS_PER_ITERATION / iter).toFixed(2)}× (target ≤ 2.5 s)`);
  }

  const images = Number(flag('images', '3'));
  if (images > 0) {
    const backend = requested.find((b) => report.available[b]?.ok) ?? 'wasm';
    // One fresh process per image, so its peak RSS is what training that image costs (the stage timings above ran
    // through TF.js's tape, and garbage from an earlier image would count against the next).
    console.log(`\ntime to the stop rule (faithful mode, ${backend}, ${size}×${size}), ISIC 2017 dev images (../shared/data/skin/isic2017), one process each:`);
    for (const id of DEV_IMAGES.slice(0, images)) {
      const child = spawnSync(process.execPath, [resolve(import.meta.dirname, '../../main/cli/run-ts.mjs'), import.meta.filename, '--train-child', backend, String(size), id], { stdio: 'inherit' });
      if (child.status !== 0) throw new Error('training benchmark failed');
    }
  }
}

async function trainChild(backend: BackendName, size: number, id: string): Promise<void> {
  const image = await loadDevImage(id);
  const r = await trainImage(image, { backend, size });
  const heap = (tf.backend() as unknown as { wasm?: { HEAPU8: Uint8Array } }).wasm?.HEAPU8.length ?? 0;
  console.log(
    `  ${id} (${image.width}×${image.height}): ${r.iterations} iterations, ${r.seconds.toFixed(1)} s, ` +
      `${(r.seconds / r.iterations).toFixed(2)} s/iteration, ${r.clusters} clusters (${r.stoppedBy}); ` +
      `peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB (wasm heap ${(heap / 2 ** 20).toFixed(0)} MiB, ` +
      `the decoded photo ${((image.data.byteLength) / 2 ** 20).toFixed(0)} MiB; target ≤ 1024, reference 1.83 GiB)`,
  );
}

const childAt = process.argv.indexOf('--train-child');
if (childAt >= 0) {
  const [backend, size, id] = process.argv.slice(childAt + 1);
  await trainChild(backend as BackendName, Number(size), id as string);
} else {
  await main();
}
