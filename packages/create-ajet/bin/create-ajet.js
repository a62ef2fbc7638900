#!/usr/bin/env node
// `npm create ajet@latest [dir]` / `pnpm create ajet [dir]`: writes a new ajet project (in the repo: from src/ via tsx).
import { register } from 'tsx/esm/api';

register();
const { runInit } = await import('../src/main.ts');
process.exitCode = await runInit(process.argv.slice(2));
