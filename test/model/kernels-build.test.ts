// The committed WebAssembly kernels are exactly what their committed C source builds to (clang-16 + lld-16, as CI installs).
import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/data';

describe('model/kernels/wasm', () => {
  it('rebuilds byte for byte from s3kernels.c, with no data segment', () => {
    // Only clang-16 gives these bytes; say what is missing rather than fail inside the build script.
    const missing = [
      !spawnSync('sh', ['-c', 'command -v clang-16']).stdout.length && 'clang-16',
      !existsSync('/usr/lib/llvm-16/bin/wasm-ld') && !spawnSync('sh', ['-c', 'command -v wasm-ld']).stdout.length && 'lld-16 (wasm-ld)',
    ].filter(Boolean);
    if (missing.length) throw new Error(`${missing.join(' and ')} not installed: apt-get install -y clang-16 lld-16 (as .ci/run does)`);
    const out = mkdtempSync(join(tmpdir(), 's3kernels-'));
    const log = execFileSync('bash', [join(REPO_ROOT, 'model/kernels/wasm/build.sh'), out], { encoding: 'utf8' });
    expect(log).toMatch(/built .*s3kernels-relaxed\.wasm/);
    for (const name of ['s3kernels.wasm', 's3kernels-relaxed.wasm']) {
      const fresh = readFileSync(join(out, name));
      const committed = readFileSync(join(REPO_ROOT, 'model/kernels/wasm', name));
      expect(Buffer.compare(fresh, committed), `${name} differs from a fresh build: run model/kernels/wasm/build.sh`).toBe(0);
    }
  }, 120_000);
});
