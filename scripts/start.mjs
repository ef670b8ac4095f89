#!/usr/bin/env node
// npm start: the desktop app where the Electron binary exists; elsewhere one clear line saying so and what works instead.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function electronBinary() {
  try {
    const dir = dirname(createRequire(import.meta.url).resolve('electron/package.json'));
    const pathFile = join(dir, 'path.txt');
    if (!existsSync(pathFile)) return null;
    const binary = join(dir, 'dist', readFileSync(pathFile, 'utf8').trim());
    return existsSync(binary) ? binary : null;
  } catch {
    return null;
  }
}

if (!electronBinary()) {
  console.error(
    's3-annotate: the Electron binary is not installed here (it is downloaded by npm ci where the network allows), so the desktop app cannot start; ' +
      'the same renderer runs against the real services in Chromium through `npm run test:e2e`, and the CLI needs no Electron: `npx s3-annotate --help`.',
  );
  process.exit(1);
}
const vite = join(dirname(fileURLToPath(import.meta.url)), '..', 'node_modules', 'electron-vite', 'bin', 'electron-vite.js');
const child = spawn(process.execPath, [vite, 'preview', '--config', 'electron.config.ts', ...process.argv.slice(2)], { stdio: 'inherit' });
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 1)));
