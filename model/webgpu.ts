// Finding a WebGPU adapter for TF.js: the page's navigator.gpu where there is one, else Dawn for Node (dawn.node).
//
// Which adapters exist and why each is or is not used. Dawn prints why it found none (a missing Vulkan loader, a
// driver lacking a feature) on the process's stderr, out of JavaScript's reach, so Node asks a child process once.
import { spawn } from 'node:child_process';
import { tf } from './tf';

export interface WebGpuAdapterReport {
  /** vendor / architecture / device / description, as the adapter reports them. */
  readonly name: string;
  readonly used: boolean;
  readonly reason: string;
}

export interface WebGpuProbe {
  readonly ok: boolean;
  /** What provides WebGPU here and the adapter in use, or why none is used. */
  readonly detail: string;
  readonly adapters: readonly WebGpuAdapterReport[];
}

export interface AdapterInfo {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}
export interface Adapter {
  readonly info?: AdapterInfo;
  readonly limits: Record<string, number>;
  readonly features: { has(name: string): boolean };
  requestDevice(descriptor?: object): Promise<unknown>;
}
export interface Gpu {
  requestAdapter(options?: object): Promise<Adapter | null>;
}

const REQUESTS = [{ powerPreference: 'high-performance' }, { powerPreference: 'low-power' }, { forceFallbackAdapter: true }] as const;

export const adapterName = (i: AdapterInfo | undefined): string =>
  [i?.vendor, i?.architecture, i?.device, i?.description].filter((s) => s).join(' / ') || 'unnamed adapter';

/** A CPU implementation (SwiftShader, lavapipe, llvmpipe, Dawn's fallback): correct, but slower than our wasm kernels. */
export function isCpuAdapter(i: AdapterInfo | undefined): boolean {
  if (i?.isFallbackAdapter) return true;
  return /swiftshader|lavapipe|llvmpipe|software|cpu/i.test(`${i?.vendor} ${i?.architecture} ${i?.description}`);
}

/** The distinct adapters the requests return, each with its verdict; the first usable one is chosen. */
export async function listAdapters(gpu: Gpu, allowCpu: boolean): Promise<{ chosen: Adapter | null; reports: WebGpuAdapterReport[] }> {
  const seen = new Map<string, Adapter>();
  for (const r of REQUESTS) {
    const a = await gpu.requestAdapter(r).catch(() => null);
    if (a && !seen.has(adapterName(a.info))) seen.set(adapterName(a.info), a);
  }
  let chosen: Adapter | null = null;
  const reports = [...seen].map(([name, a]) => {
    const cpu = isCpuAdapter(a.info);
    const used = !chosen && (allowCpu || !cpu);
    if (used) chosen = a;
    const reason = used
      ? cpu ? 'used: requested explicitly (a CPU implementation: for correctness, not speed)' : 'used: a hardware adapter'
      : chosen ? 'not used: another adapter was chosen first' : 'not used: a CPU implementation, slower than the wasm kernels (ask for --backend webgpu to use it anyway)';
    return { name, used, reason };
  });
  return { chosen, reports };
}

/** The page's WebGPU (a browser, Electron's renderer or a compute window), if this JavaScript realm has one. */
const pageGpu = (): Gpu | undefined => (globalThis as { navigator?: { gpu?: Gpu } }).navigator?.gpu;

/** Dawn's own words on stderr when it finds no adapter, from a child Node process (bounded to 20 s). */
function dawnDiagnosis(): Promise<{ found: boolean; message: string }> {
  const code = `import('webgpu').then(async ({ create }) => {
    const gpu = create([]);
    for (const r of ${JSON.stringify(REQUESTS)}) if (await gpu.requestAdapter(r)) { console.log('adapter'); break; }
    process.exit(0);
  }).catch((e) => { console.error(e.message); process.exit(1); });`;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', code], {
      cwd: new URL('.', import.meta.url).pathname,
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 20_000,
    });
    let err = '', out = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', (e) => resolve({ found: false, message: e.message }));
    child.on('close', (code, signal) => {
      const lines = err.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('at '));
      const said = lines.map((l) => l.replace(/^Warning:\s*/, '')).join('; ');
      const message = said || (signal ? `the probe process was stopped (${signal})` : code ? `the probe process exited with ${code}` : 'no message from Dawn');
      resolve({ found: out.includes('adapter'), message });
    });
  });
}

let registered: Promise<WebGpuProbe> | undefined;
let registeredAllowCpu = false;

/**
 * Finds an adapter and registers TF.js's 'webgpu' backend on it (once per process; again only to widen to CPU
 * adapters). allowCpu: accept a CPU implementation (an explicit --backend webgpu, the correctness tests).
 */
export function probeWebGpu(allowCpu: boolean): Promise<WebGpuProbe> {
  if (!registered || (allowCpu && !registeredAllowCpu)) {
    const previous = registered;
    registeredAllowCpu = allowCpu;
    registered = (async () => {
      const before = await previous;
      if (before?.ok) return before;
      return pageGpu() ? probePage(allowCpu) : probeDawn(allowCpu);
    })().catch((err: Error) => ({ ok: false, detail: `WebGPU probe failed: ${err.message}`, adapters: [] }));
  }
  return registered;
}

async function probePage(allowCpu: boolean): Promise<WebGpuProbe> {
  const gpu = pageGpu() as Gpu;
  const { chosen, reports } = await listAdapters(gpu, allowCpu);
  if (!chosen) return { ok: false, detail: reports.length ? 'navigator.gpu: no adapter worth using' : 'navigator.gpu returned no adapter', adapters: reports };
  // Importing the package registers 'webgpu' on navigator.gpu's preferred adapter.
  await import('@tensorflow/tfjs-backend-webgpu');
  return { ok: true, detail: `navigator.gpu: ${adapterName((chosen as Adapter).info)}`, adapters: reports };
}

async function probeDawn(allowCpu: boolean): Promise<WebGpuProbe> {
  let dawn: { create(flags: string[]): Gpu; globals: Record<string, unknown> };
  try {
    dawn = (await import(/* @vite-ignore */ 'webgpu')) as unknown as typeof dawn;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { ok: false, detail: code === 'ERR_MODULE_NOT_FOUND' ? 'webgpu (dawn.node) not installed' : `dawn.node failed to load: ${(err as Error).message.split('\n')[0]}`, adapters: [] };
  }
  // A child process looks first: it hears Dawn's reasons, and a driver that crashes takes only the child down.
  const child = await dawnDiagnosis();
  if (!child.found) return { ok: false, detail: `dawn.node: no adapter (Dawn: ${child.message})`, adapters: [] };
  const gpu = dawn.create([]);
  const { chosen, reports } = await listAdapters(gpu, allowCpu);
  if (!chosen) return { ok: false, detail: `dawn.node: ${reports.length ? 'no adapter worth using' : 'no adapter'}`, adapters: reports };
  const adapter = chosen as Adapter;
  // TF.js's WebGPU backend reads the GPUBufferUsage, GPUMapMode… constants from the global scope, as in a page.
  for (const [k, v] of Object.entries(dawn.globals)) (globalThis as Record<string, unknown>)[k] ??= v;
  const { WebGPUBackend } = await import('@tensorflow/tfjs-backend-webgpu');
  tf.registerBackend('webgpu', async () => {
    const l = adapter.limits;
    const device = await adapter.requestDevice({
      requiredLimits: {
        maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
        maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
        maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
        maxBufferSize: l.maxBufferSize,
        maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
        maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
      },
    });
    return new WebGPUBackend(device as never, adapter.info as never);
  });
  return { ok: true, detail: `dawn.node: ${adapterName(adapter.info)}`, adapters: reports };
}

/** A GPU failure during a run: the device was lost, or an error (out of memory, validation) made results unusable. */
export class GpuFailureError extends Error {
  constructor(reason: string) {
    super(`WebGPU failed: ${reason}`);
    this.name = 'GpuFailureError';
  }
}

interface DeviceLike {
  readonly lost: Promise<{ reason?: string; message?: string }>;
  addEventListener?(type: 'uncapturederror', listener: (e: { error?: { message?: string; constructor?: { name?: string } } }) => void): void;
  removeEventListener?(type: 'uncapturederror', listener: (e: never) => void): void;
}

let lostReason: string | null = null;
const watchedDevices = new WeakSet<object>();

/** Why this process's WebGPU device is gone for good (null while it is alive). */
export const webGpuLost = (): string | null => lostReason;

export interface GpuWatch {
  /** The failure seen so far, if any. */
  failure(): string | null;
  /** Throws a GpuFailureError once a failure was seen: results computed after it cannot be trusted. */
  check(): void;
  stop(): void;
}

/**
 * Watches the active webgpu backend's device for the length of one run. A lost device is lost for the process; an
 * uncaptured error (GPUOutOfMemoryError, a validation error) spoils this run's buffers only.
 */
export function watchGpuDevice(): GpuWatch {
  const device = (tf.backend() as unknown as { device?: DeviceLike }).device;
  let failure: string | null = null;
  if (device && !watchedDevices.has(device)) {
    watchedDevices.add(device);
    void device.lost.then((info) => {
      lostReason = `device lost (${info.reason ?? 'unknown'})${info.message ? `: ${info.message}` : ''}`;
    });
  }
  const onError = (e: { error?: { message?: string; constructor?: { name?: string } } }) => {
    failure ??= `${e.error?.constructor?.name ?? 'GPU error'}: ${e.error?.message ?? 'no message'}`;
  };
  device?.addEventListener?.('uncapturederror', onError);
  const seen = () => failure ?? lostReason;
  return {
    failure: seen,
    check() {
      const f = seen();
      if (f) throw new GpuFailureError(f);
    },
    stop: () => device?.removeEventListener?.('uncapturederror', onError as never),
  };
}
