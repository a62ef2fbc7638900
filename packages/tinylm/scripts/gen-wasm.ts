// Writes packages/tinylm/src/internal/kernels-wasm.ts from kernels.wat.
//   pnpm gen:wasm
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { compileKernels, generatedPath } from './compile-kernels.ts';

await writeFile(generatedPath, await compileKernels());
process.stdout.write(`wrote ${fileURLToPath(generatedPath)}\n`);
