// Starts the decoding worker from TypeScript sources (test host, unbundled runs): registers tsx, then loads it.
import { register } from 'tsx/esm/api';

register();
await import('./decode-worker.ts');
