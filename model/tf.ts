// The one place that loads TF.js for the engine: core, all gradients, the cpu and wasm backends.
// '@tensorflow/tfjs' is imported for its side effect only: it registers every op's gradient (tfjs-core's own
// register_all_gradients is ESM with extensionless imports that Node's loader cannot resolve).
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';

// PROD silences TF.js's console advice (e.g. "install tfjs-node"); the backend report says that properly.
tf.env().set('PROD', true);

export { tf };
