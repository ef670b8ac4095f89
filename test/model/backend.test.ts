// Backend selection and the report the CLI and the app print: what is available here and why not.
import { describe, expect, it } from 'vitest';
import { describeBackends, useBackend } from '../../model/backend';
import { installedBackends } from '../../model/installed';
import { createRequire } from 'node:module';

const nativeInstalled = (() => {
  try {
    createRequire(import.meta.url).resolve('@tensorflow/tfjs-node');
    return true;
  } catch {
    return false;
  }
})();

describe('backends', () => {
  it('reports each backend with a reason, auto picks the fastest available, and an explicit choice is honoured or refused clearly', async () => {
    const report = await describeBackends();
    expect(report.available.wasm.ok).toBe(true);
    expect(report.available.cpu.ok).toBe(true);
    expect(report.available.tensorflow.ok).toBe(nativeInstalled);
    expect(report.selected).toBe(nativeInstalled ? 'tensorflow' : 'wasm');
    if (!nativeInstalled) {
      expect(report.available.tensorflow.detail).toMatch(/tfjs-node-gpu not installed; @tensorflow\/tfjs-node not installed/);
      await expect(useBackend('tensorflow')).rejects.toThrow(/tensorflow backend unavailable/);
      expect(installedBackends()).toMatch(/^tensorflow unavailable .*; wasm installed; cpu installed$/);
    }
    expect(await useBackend('cpu')).toBe('cpu');
    expect(await useBackend('wasm')).toBe('wasm');
    expect(await useBackend('auto')).toBe(report.selected);
  });
});
