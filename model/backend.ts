// Backend selection: webgpu → tensorflow (tfjs-node-gpu, then tfjs-node) → wasm → cpu, each with the reason it is skipped.
import { tf } from './tf';
import { NATIVE_PACKAGES } from './installed';
import type { BackendChoice, BackendName } from './types';
import { registerS3Kernels } from './kernels/register';
import { probeWebGpu, webGpuLost, type WebGpuAdapterReport } from './webgpu';

export interface BackendAvailability {
  readonly ok: boolean;
  /** Which package provides it, or why it cannot be used here. */
  readonly detail: string;
}
export interface BackendReport {
  readonly selected: BackendName;
  readonly available: Readonly<Record<BackendName, BackendAvailability>>;
  /** The WebGPU adapters seen, each with why it is or is not used. */
  readonly adapters: readonly WebGpuAdapterReport[];
}

/** The backend in use and, for each faster one before it in the chain, why it was skipped. */
export interface BackendChoiceReport {
  readonly name: BackendName;
  readonly skipped: readonly { readonly backend: BackendName; readonly reason: string }[];
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

/** WebGPU on a usable adapter (a hardware one, or any when asked for explicitly), with our WGSL kernels. */
async function tryWebGpu(allowCpu: boolean): Promise<BackendAvailability & { adapters: readonly WebGpuAdapterReport[] }> {
  registerS3Kernels();
  const probe = await probeWebGpu(allowCpu);
  if (!probe.ok) return probe;
  const lost = webGpuLost();
  if (lost) return { ...probe, ok: false, detail: `${probe.detail}: unusable since its ${lost}` };
  try {
    // setBackend creates the device: it can still fail (out of memory, a lost device) after the adapter was found.
    if (await tf.setBackend('webgpu')) return { ...probe, detail: `@tensorflow/tfjs-backend-webgpu on ${probe.detail}` };
    return { ...probe, ok: false, detail: `${probe.detail}: the webgpu backend failed to initialise` };
  } catch (err) {
    return { ...probe, ok: false, detail: `${probe.detail}: ${(err as Error).message}` };
  }
}

/** Probes every backend (the wasm one is left selected if it works) without changing the caller's choice. */
export async function describeBackends(): Promise<BackendReport> {
  const { adapters, ...webgpu } = await tryWebGpu(false);
  const tensorflow = await probeNative();
  const wasm = await tryBackend('wasm');
  const cpu = await tryBackend('cpu');
  const selected: BackendName = webgpu.ok ? 'webgpu' : tensorflow.ok ? 'tensorflow' : wasm.ok ? 'wasm' : 'cpu';
  return { selected, available: { webgpu, tensorflow, wasm, cpu }, adapters };
}

/** Activates the requested backend ('auto' takes the fastest available) and returns the one in use. */
export async function useBackend(choice: BackendChoice): Promise<BackendName> {
  return (await chooseBackend(choice)).name;
}

/** As useBackend, with the reason each faster backend of the chain webgpu → tensorflow → wasm → cpu was skipped. */
export async function chooseBackend(choice: BackendChoice): Promise<BackendChoiceReport> {
  const skipped: { backend: BackendName; reason: string }[] = [];
  if (choice === 'auto' || choice === 'webgpu') {
    const gpu = await tryWebGpu(choice === 'webgpu');
    if (gpu.ok) return { name: 'webgpu', skipped };
    if (choice === 'webgpu') throw new Error(`webgpu backend unavailable: ${gpu.detail}`);
    skipped.push({ backend: 'webgpu', reason: gpu.detail });
  }
  if (choice === 'auto' || choice === 'tensorflow') {
    const native = await probeNative();
    if (native.ok && (await tf.setBackend('tensorflow'))) return { name: 'tensorflow', skipped };
    if (choice === 'tensorflow') throw new Error(`tensorflow backend unavailable: ${native.detail}`);
    skipped.push({ backend: 'tensorflow', reason: native.detail });
  }
  if (choice === 'auto' || choice === 'wasm') {
    const wasm = await tryBackend('wasm');
    if (wasm.ok) return { name: 'wasm', skipped };
    if (choice === 'wasm') throw new Error(`wasm backend unavailable: ${wasm.detail}`);
    skipped.push({ backend: 'wasm', reason: wasm.detail });
  }
  const cpu = await tryBackend('cpu');
  if (!cpu.ok) throw new Error(`no TF.js backend could be initialised: ${cpu.detail}`);
  return { name: 'cpu', skipped };
}
