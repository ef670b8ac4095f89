// SGD with momentum as PyTorch defines it (buf = μ·buf + g; p −= lr·buf), owning every tensor it makes.
// (TF.js's MomentumOptimizer leaks its learning-rate scalar on dispose.)
import { tf } from './tf';

export interface MomentumSgd {
  step(grads: Readonly<Record<string, tf.Tensor>>): void;
  dispose(): void;
}

export function createMomentumSgd(variables: readonly tf.Variable[], learningRate: number, momentum: number): MomentumSgd {
  const buffers = new Map<string, tf.Tensor>();
  const byName = new Map(variables.map((v) => [v.name, v]));
  return {
    step(grads) {
      for (const [name, g] of Object.entries(grads)) {
        const v = byName.get(name);
        if (!v) throw new Error(`gradient for unknown variable ${name}`);
        const previous = buffers.get(name);
        // The first step's buffer is the gradient itself, as in torch.optim.SGD.
        const buf = previous ? tf.tidy(() => tf.add(tf.mul(previous, momentum), g)) : tf.clone(g);
        previous?.dispose();
        buffers.set(name, buf);
        const next = tf.tidy(() => tf.sub(v, tf.mul(buf, learningRate)));
        v.assign(next);
        next.dispose();
      }
    },
    dispose() {
      buffers.forEach((b) => b.dispose());
      buffers.clear();
    },
  };
}
