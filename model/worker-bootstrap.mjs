// Starts the training worker from TypeScript sources (CLI and tests run unbundled): registers tsx, then loads it.
import { register } from 'tsx/esm/api';

register();
await import('./worker-entry.ts');
