#!/usr/bin/env node
// npm run test:e2e [-- --update-screenshots] [vitest args…]: the flag is ours (README screenshots), the rest go to vitest.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const args = process.argv.slice(2);
const update = args.includes('--update-screenshots');
const rest = args.filter((a) => a !== '--update-screenshots');
const vitest = join(dirname(fileURLToPath(import.meta.url)), '../../node_modules/vitest/vitest.mjs');
const env = { ...process.env, ...(update ? { S3_UPDATE_SCREENSHOTS: '1' } : {}) };
if (!update) delete env.S3_UPDATE_SCREENSHOTS;
const child = spawn(process.execPath, [vitest, 'run', '--config', 'test/e2e/vitest.config.ts', ...rest], { stdio: 'inherit', env });
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 1)));
