// electron-vite build: main (with the S3-Net training worker as its own entry), sandboxed preload (CJS), Svelte renderer.
import { resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { defineConfig } from 'electron-vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import type { UserConfig } from 'vite';

const root = import.meta.dirname;

/** The model's worker-thread entry, bundled separately so `new Worker(url)` can load it from out/main. */
const workerEntry = ['model/worker-entry.ts', 'model/worker.ts'].map((p) => resolve(root, p)).find((p) => existsSync(p));

export const rendererConfig: UserConfig = {
  root: resolve(root, 'renderer'),
  base: './',
  plugins: [svelte()],
  build: {
    outDir: resolve(root, 'out/renderer'),
    emptyOutDir: true,
    target: 'chrome120',
    rollupOptions: { input: resolve(root, 'renderer/index.html') },
  },
};

export default defineConfig({
  main: {
    build: {
      outDir: resolve(root, 'out/main'),
      rollupOptions: {
        input: {
          index: resolve(root, 'main/app/index.ts'),
          'decode-worker': resolve(root, 'main/services/library/decode-worker.ts'),
          ...(workerEntry ? { worker: workerEntry } : {}),
        },
        // Native and WebAssembly engines stay real files on disk, loaded at run time.
        external: ['sharp', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-backend-wasm', 'webgpu'],
      },
    },
  },
  preload: {
    build: {
      // A sandboxed preload can require nothing but electron: bundle everything else into it.
      externalizeDeps: false,
      outDir: resolve(root, 'out/preload'),
      rollupOptions: {
        input: { index: resolve(root, 'main/preload/index.ts') },
        // A sandboxed preload cannot load ES modules: one CommonJS file.
        output: { format: 'cjs', entryFileNames: '[name].cjs', codeSplitting: false },
      },
    },
  },
  renderer: rendererConfig,
});
