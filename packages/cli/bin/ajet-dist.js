#!/usr/bin/env node
// The published `ajet` command (publishConfig.bin): runs the built JavaScript in dist/. tsx is registered only for
// the user's own TypeScript plugins (judges, workflows, readers named by a `.ts` file), with source maps.
import { register as registerCommonJs } from 'tsx/cjs/api';
import { register } from 'tsx/esm/api';

process.setSourceMapsEnabled(true);
// A user's .ts outside a "type": "module" package is CommonJS to Node: without tsx's require hook it fails to load.
registerCommonJs();
register();
const { main } = await import('../dist/main.js');
process.exitCode = await main(process.argv.slice(2));
