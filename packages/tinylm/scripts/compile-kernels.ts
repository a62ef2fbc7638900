// Compiles src/internal/kernels.wat into src/internal/kernels-wasm.ts (the module's bytes, base64) with wabt: a
// development step only. `pnpm gen:wasm` writes the file; kernels.test.ts checks that the committed file is what
// kernels.wat compiles to.
import { readFile } from 'node:fs/promises';
import wabt from 'wabt';

export const watPath = new URL('../src/internal/kernels.wat', import.meta.url);
export const generatedPath = new URL('../src/internal/kernels-wasm.ts', import.meta.url);

/** The TypeScript source of kernels-wasm.ts for the current kernels.wat. */
export async function compileKernels(): Promise<string> {
  const text = await readFile(watPath, 'utf8');
  const compiler = await wabt();
  const module = compiler.parseWat('kernels.wat', text, { simd: true });
  try {
    module.validate();
    const { buffer } = module.toBinary({ canonicalize_lebs: true });
    const base64 = Buffer.from(buffer).toString('base64');
    return [
      '// Generated from kernels.wat by `pnpm gen:wasm` (compile-kernels.ts): do not edit.',
      'export const KERNELS_WASM =',
      `  '${base64}';`,
      '',
    ].join('\n');
  } finally {
    module.destroy();
  }
}
