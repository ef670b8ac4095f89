// Tolerant post-install: fetch what optional native pieces need where the network allows, and say what is missing.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const notes = [];

function resolves(name) {
  try {
    require.resolve(name);
    return true;
  } catch {
    return false;
  }
}

// Electron: its own install script is disabled by allowScripts (it fails hard without network); try it here instead.
const electronInstall = 'node_modules/electron/install.js';
if (process.env.S3A_SKIP_ELECTRON_DOWNLOAD === '1') {
  notes.push('electron: download skipped (S3A_SKIP_ELECTRON_DOWNLOAD=1); the desktop app needs it, the CLI does not');
} else if (existsSync(electronInstall)) {
  const r = spawnSync(process.execPath, [electronInstall], { stdio: 'pipe', timeout: 180_000, encoding: 'utf8' });
  if (r.status === 0) notes.push('electron: binary installed');
  else notes.push('electron: binary could not be downloaded here; the desktop app is unavailable, the CLI and services work');
}

const tfNative = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'].filter(resolves);
notes.push(
  tfNative.length > 0
    ? `tensorflow backend: ${tfNative.join(', ')} installed`
    : 'tensorflow backend: libtensorflow unavailable (tfjs-node and tfjs-node-gpu were dropped); S3-Net runs on the wasm backend',
);

for (const n of notes) console.log(`[s3-annotate] ${n}`);
