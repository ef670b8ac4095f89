// Backend selection: tensorflow (tfjs-node-gpu, then tfjs-node) → wasm → cpu, each with the reason it is unavailable.
import { tf } from './tf';
import { NATIVE_PACKAGES } from './installed';
import type { BackendChoice, BackendName } from './types';
import { registerS3Kernels } from './kernels/register';

export interface BackendAvailability {
  readonly ok: boolean;
  /** Which package provides it, or why it cannot be used here. */
  readonly detail: string;
}
export interface BackendReport {
  readonly selected: BackendName;
  readonly available: Readonly<Record<BackendName, BackendAvailability>>;
}

let nativeProbe: Promise<BackendAvailability> | undefined;

/** Loads libtensorflow's binding once; importing it registers the 'tensorflow' backend. */
function probeNative(): Promise<BackendAvailability> {
  nativeProbe ??= (async () => {
    const reasons: string[] = [];
    for (const pkg of NATIVE_PACKAGES) {
      try {
        await import(/* @vite-ignore */ pkg);
        if (tf.findBackend('tensorflow')) return { ok: true, detail: pkg };
        reasons.push(`${pkg}: loaded but registered no backend`);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        reasons.push(code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND' ? `${pkg} not installed` : `${pkg}: ${(err as Error).message.split('\n')[0]}`);
      }
    }
    return { ok: false, detail: `${reasons.join('; ')} (libtensorflow is downloaded at install time; it was not available)` };
  })();
  return nativeProbe;
}

async function tryBackend(name: 'wasm' | 'cpu'): Promise<BackendAvailability> {
  // Our kernels (and the zero-copy Identity) must be in place before the first op runs on wasm.
  registerS3Kernels();
  try {
    const ok = await tf.setBackend(name);
    return ok ? { ok: true, detail: name === 'wasm' ? '@tensorflow/tfjs-backend-wasm (SIMD)' : '@tensorflow/tfjs-backend-cpu (tests only: too slow to train)' } : { ok: false, detail: `${name} failed to initialise` };
  } catch (err) {
    return { ok: false, detail: (err as Error).message };
  }
}

/** Probes every backend (the wasm one is left selected if it works) without changing the caller's choice. */
export async function describeBackends(): Promise<BackendReport> {
  const tensorflow = await probeNative();
  const wasm = await tryBackend('wasm');
  const cpu = await tryBackend('cpu');
  const selected: BackendName = tensorflow.ok ? 'tensorflow' : wasm.ok ? 'wasm' : 'cpu';
  return { selected, available: { tensorflow, wasm, cpu } };
}

/** Activates the requested backend ('auto' takes the fastest available) and returns the one in use. */
export async function useBackend(choice: BackendChoice): Promise<BackendName> {
  if (choice === 'auto' || choice === 'tensorflow') {
    const native = await probeNative();
    if (native.ok && (await tf.setBackend('tensorflow'))) return 'tensorflow';
    if (choice === 'tensorflow') throw new Error(`tensorflow backend unavailable: ${native.detail}`);
  }
  if (choice === 'auto' || choice === 'wasm') {
    const wasm = await tryBackend('wasm');
    if (wasm.ok) return 'wasm';
    if (choice === 'wasm') throw new Error(`wasm backend unavailable: ${wasm.detail}`);
  }
  const cpu = await tryBackend('cpu');
  if (!cpu.ok) throw new Error(`no TF.js backend could be initialised: ${cpu.detail}`);
  return 'cpu';
}
