// Lint: typescript-eslint everywhere, plus the import boundaries that keep each folder honest about where it runs.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';

const noElectron = { name: 'electron', message: 'Only main/app and main/preload may import electron.' };
const noSvelte = { group: ['svelte', 'svelte/*', '*.svelte'], message: 'Svelte belongs to renderer/.' };
const domGlobals = ['window', 'document', 'navigator', 'HTMLElement', 'HTMLCanvasElement', 'localStorage'].map(
  (name) => ({ name, message: 'model/, main/services and main/cli run in Node: no DOM.' }),
);

export default tseslint.config(
  { ignores: ['node_modules/**', 'out/**', 'dist/**', '.tmp/**', 'model/kernels/wasm/*.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...svelte.configs.recommended,
  {
    files: ['renderer/**/*.svelte', 'renderer/**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.svelte'] } },
  },
  {
    languageOptions: { globals: { console: 'readonly', process: 'readonly' } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // Electron is imported by the app shell and the preload only; everything else must run without it.
    files: ['**/*.ts', '**/*.svelte'],
    ignores: ['main/app/**', 'main/preload/**'],
    rules: { 'no-restricted-imports': ['error', { paths: [noElectron] }] },
  },
  {
    files: ['model/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [noElectron],
          patterns: [noSvelte, { group: ['**/main/**', '**/renderer/**'], message: 'model/ depends on nothing of the app.' }],
        },
      ],
      'no-restricted-globals': ['error', ...domGlobals],
    },
  },
  {
    files: ['main/services/**/*.ts', 'main/cli/**/*.ts', 'main/contracts/**/*.ts', 'main/ipc/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [noElectron], patterns: [noSvelte, { group: ['**/renderer/**'], message: 'main/ never imports the renderer.' }] },
      ],
      'no-restricted-globals': ['error', ...domGlobals],
    },
  },
  {
    // Services (and the CLI over them) are plain Node: they never reach up into the IPC layer or the Electron shell.
    files: ['main/services/**/*.ts', 'main/cli/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [noElectron],
          patterns: [
            noSvelte,
            { group: ['**/renderer/**'], message: 'main/ never imports the renderer.' },
            { group: ['**/ipc', '**/ipc/**', '**/app', '**/app/**'], message: 'main/services and main/cli sit below main/ipc and main/app.' },
          ],
        },
      ],
    },
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.svelte'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [noElectron],
          patterns: [
            { group: ['node:*', 'fs', 'path', 'child_process', 'worker_threads'], message: 'The renderer has no Node.' },
            { group: ['**/main/**', '!**/main/contracts', '!**/main/contracts/**', '**/model/**'], message: 'The renderer reaches main only through renderer/api and main/contracts (type-only).' },
            { group: ['**/main/contracts', '**/main/contracts/**'], allowTypeImports: true, message: 'main/contracts: type-only imports in the renderer (values come through renderer/api).' },
          ],
        },
      ],
    },
  },
);
