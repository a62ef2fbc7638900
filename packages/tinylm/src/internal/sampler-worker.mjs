// Worker threads do not inherit the parent's TypeScript loader. From a built package (dist/) the worker is plain
// JavaScript; from the sources (the repo) register tsx, then run the TypeScript worker.
import { existsSync } from 'node:fs';

const built = new URL('./sampler-worker.js', import.meta.url);
if (existsSync(built)) {
  await import(built.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('./sampler-worker.ts');
}
