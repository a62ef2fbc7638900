#!/usr/bin/env node
// Registers tsx so workspace packages and user plugins (.ts) load without a build step, with source maps.
import { register as registerCommonJs } from 'tsx/cjs/api';
import { register } from 'tsx/esm/api';

process.setSourceMapsEnabled(true);
// A user's .ts outside a "type": "module" package is CommonJS to Node: without tsx's require hook it fails to load.
registerCommonJs();
register();
const { main } = await import('../src/main.ts');
process.exitCode = await main(process.argv.slice(2));
