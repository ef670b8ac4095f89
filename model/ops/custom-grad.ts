// A typed wrapper over tf.customGrad: inputs as an array, the save function separate, gradients as an array.
import { tf } from '../tf';

export type GradientDefinition<T extends tf.Tensor> = (
  inputs: tf.Tensor[],
  save: tf.GradSaveFunc,
) => { value: T; gradFunc: (dy: T, saved: tf.Tensor[]) => tf.Tensor[] };

export function withGradient<T extends tf.Tensor>(define: GradientDefinition<T>): (...inputs: tf.Tensor[]) => T {
  type Custom = Parameters<typeof tf.customGrad>[0];
  const f = tf.customGrad(((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args.pop() as tf.GradSaveFunc;
    const { value, gradFunc } = define(args as tf.Tensor[], save);
    return { value, gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => gradFunc(dy as T, saved) };
  }) as unknown as Custom);
  return (...inputs: tf.Tensor[]) => f(...inputs) as T;
}
