#!/usr/bin/env node
// Registers tsx so workspace packages and user plugins (.ts) load without a build step, with source maps.
import { register } from 'tsx/esm/api';

process.setSourceMapsEnabled(true);
register();
const { main } = await import('../src/main.ts');
process.exitCode = await main(process.argv.slice(2));
