import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BackboneError } from '@ajet/spec';
import { readModelFolder } from './model-folder.ts';
import { TinyLmBackbone } from './tinylm-backbone.ts';

/** The folder of the weights this package ships, one subfolder per `builtin:` name. */
export const SHIPPED_WEIGHTS = fileURLToPath(new URL('../weights/', import.meta.url));

export function shippedModels(): string[] {
  return existsSync(SHIPPED_WEIGHTS)
    ? readdirSync(SHIPPED_WEIGHTS).filter((name) => existsSync(join(SHIPPED_WEIGHTS, name, 'model.json')))
    : [];
}

/** The folder a `model.path` names: shipped weights, a saved model folder, or a checkpoint holding `model/`. */
export function resolveModelFolder(modelPath: string): string {
  if (modelPath.startsWith('builtin:')) {
    const name = modelPath.slice('builtin:'.length);
    const folder = join(SHIPPED_WEIGHTS, name);
    if (!existsSync(join(folder, 'model.json'))) {
      throw new BackboneError(
        `no shipped tinylm weights named "${name}" (shipped: ${shippedModels().join(', ') || 'none'})`,
        {
          code: 'TINYLM_UNKNOWN_BUILTIN',
          hint: 'Check ajet.model.path.',
        },
      );
    }
    return folder;
  }
  if (existsSync(join(modelPath, 'model', 'model.json'))) return join(modelPath, 'model');
  return modelPath;
}

/** Loads the embedded policy for `model.path`. */
export async function createTinyLm(options: {
  modelPath: string;
  seed?: number;
  /** Threads for forwardBackward, the calling one included (TinyLmOptions.trainThreads). */
  trainThreads?: number;
  /** Threads that draw completions; 0: the calling thread (TinyLmOptions.sampleThreads). */
  sampleThreads?: number;
  /** Whether samples sharing a prompt compute it once (TinyLmOptions.sharePrefixes; default true). */
  sharePrefixes?: boolean;
}): Promise<TinyLmBackbone> {
  const folder = resolveModelFolder(options.modelPath);
  const { file, params } = await readModelFolder(folder);
  return new TinyLmBackbone({
    name: file.name,
    config: file.transformer,
    tokenizer: file.tokenizer,
    params,
    policyVersion: file.policyVersion,
    seed: options.seed,
    trainThreads: options.trainThreads,
    sampleThreads: options.sampleThreads,
    sharePrefixes: options.sharePrefixes,
  });
}
