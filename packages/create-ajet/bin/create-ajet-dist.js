#!/usr/bin/env node
// `npm create ajet@latest [dir]` / `pnpm create ajet [dir]`: writes a new ajet project (the published command).
import { runInit } from '../dist/main.js';

process.exitCode = await runInit(process.argv.slice(2));
