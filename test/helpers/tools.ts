// External reference tools (dciodvfy, Debian's python3 with pydicom/nibabel): fail loudly when CI forgot to install them.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const SYSTEM_PYTHON = '/usr/bin/python3';

export function requireTool(cmd: string, aptPackage: string): string {
  const found = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).stdout.trim();
  if (!found) throw new Error(`${cmd} is not installed: apt-get install -y ${aptPackage} (see .ci/run)`);
  return found;
}

/** Runs Python code with Debian's interpreter (pyenv's python3 on PATH lacks pydicom/nibabel); returns parsed JSON stdout. */
export function python<T>(code: string, args: string[] = []): T {
  if (!existsSync(SYSTEM_PYTHON)) throw new Error(`${SYSTEM_PYTHON} missing: apt-get install -y python3-pydicom python3-nibabel python3-numpy`);
  const probe = spawnSync(SYSTEM_PYTHON, ['-c', 'import pydicom, nibabel, numpy'], { encoding: 'utf8' });
  if (probe.status !== 0) throw new Error(`pydicom/nibabel missing for ${SYSTEM_PYTHON}: apt-get install -y python3-pydicom python3-nibabel python3-numpy\n${probe.stderr}`);
  return JSON.parse(execFileSync(SYSTEM_PYTHON, ['-c', code, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 })) as T;
}
