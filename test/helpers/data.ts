// Where the shared, read-only test data lives: ../shared/data relative to the repository root.
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';

export const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
export const DATA_DIR = resolve(REPO_ROOT, '../shared/data');
export const dataPath = (...parts: string[]): string => resolve(DATA_DIR, ...parts);
