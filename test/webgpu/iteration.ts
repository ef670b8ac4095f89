// One training iteration as the trainer runs it on webgpu (explicit step, asynchronous reads, SGD), timed.
import { tf } from '../../model/tf';
import { validateConfig } from '../../model/config';
import { createS3Net } from '../../model/network';
import { explicitStepAsync } from '../../model/backprop';
import { createMomentumSgd } from '../../model/optimizer';

/** Median wall time of `runs` iterations after one warm-up (which compiles every pipeline), on the active backend. */
export async function timeIterations(size: number, channels: number, runs: number): Promise<{ medianMs: number; ms: number[] }> {
  const config = validateConfig({ size, channels, seed: 1 });
  const net = createS3Net(config);
  const input = tf.randomUniform([1, size, size, 3]) as tf.Tensor4D;
  const sgd = createMomentumSgd(net.variables, config.learningRate, config.momentum);
  const once = async () => {
    const step = await explicitStepAsync(net.params, input, config);
    sgd.step(Object.fromEntries([...step.grads].map(([v, g]) => [v.name, g])));
    tf.dispose([...step.grads.values()]);
    // The step's labels were read back: the GPU has finished this iteration's work.
  };
  try {
    await once();
    const ms: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      await once();
      ms.push(performance.now() - t);
    }
    return { medianMs: [...ms].sort((a, b) => a - b)[Math.floor(ms.length / 2)] as number, ms };
  } finally {
    net.dispose();
    sgd.dispose();
    input.dispose();
  }
}
