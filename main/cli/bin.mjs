#!/usr/bin/env node
// The s3-annotate command: loads the TypeScript CLI through tsx, so the CLI runs from a plain checkout.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./index.ts');
process.exitCode = await main(process.argv.slice(2));
