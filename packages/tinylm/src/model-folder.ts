// A tinylm model folder: model.json (shape, tokenizer, policy version), params.bin, and optionally the AdamW
// moments in optimizer.bin with their step count in optimizer.json. Floats are little-endian float32.
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BackboneError } from '@ajet/spec';
import { z } from 'zod';
import { parameterLayout } from './internal/transformer.ts';

const transformerConfigSchema = z.object({
  vocabSize: z.number().int().positive(),
  dModel: z.number().int().positive(),
  nHeads: z.number().int().positive(),
  nLayers: z.number().int().positive(),
  dFeedForward: z.number().int().positive(),
  maxSeqLen: z.number().int().positive(),
});

/** The shape of a tinylm transformer, as model.json records it. */
export type TransformerConfig = z.output<typeof transformerConfigSchema>;

export const modelFileSchema = z.object({
  name: z.string(),
  policyVersion: z.number().int().nonnegative(),
  transformer: transformerConfigSchema,
  tokenizer: z.object({
    pointers: z.number().int().nonnegative(),
    words: z.array(z.string()),
    repeatedNumbers: z.enum(['copy', 'define']).optional(),
  }),
  notes: z.string().optional(),
});

export type ModelFile = z.output<typeof modelFileSchema>;

/** The AdamW state a folder may hold: first and second moments and the step count. */
export interface OptimizerState {
  m: Float32Array;
  v: Float32Array;
  step: number;
}

export interface ModelFolder {
  file: ModelFile;
  params: Float32Array;
  optimizer?: OptimizerState;
}

function toBytes(array: Float32Array): Buffer {
  return Buffer.from(array.buffer, array.byteOffset, array.byteLength);
}

function fromBytes(buffer: Buffer, expected: number, file: string): Float32Array {
  if (buffer.byteLength !== expected * 4) {
    throw new BackboneError(`${file} holds ${buffer.byteLength / 4} floats, expected ${expected}`, {
      code: 'TINYLM_BAD_WEIGHTS',
      hint: 'The file does not belong to this model configuration.',
    });
  }
  const out = new Float32Array(expected);
  out.set(new Float32Array(buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength)));
  return out;
}

/** Reads a model folder written by writeModelFolder (TinyLmBackbone.saveState) or the shipped weights. */
export async function readModelFolder(folder: string): Promise<ModelFolder> {
  const configFile = join(folder, 'model.json');
  if (!existsSync(configFile)) {
    throw new BackboneError(`no tinylm model in ${folder} (model.json missing)`, {
      code: 'TINYLM_NO_MODEL',
      hint: 'Point model.path at builtin:tinylm-calculator or at a folder a run saved (checkpoints/step-N).',
    });
  }
  const parsed = modelFileSchema.safeParse(JSON.parse(await readFile(configFile, 'utf8')));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
    throw new BackboneError(`${configFile} is not a tinylm model file: ${where}${issue?.message}`, {
      code: 'TINYLM_BAD_MODEL',
    });
  }
  const size = parameterLayout(parsed.data.transformer).size;
  const params = fromBytes(await readFile(join(folder, 'params.bin')), size, join(folder, 'params.bin'));
  let optimizer: OptimizerState | undefined;
  if (existsSync(join(folder, 'optimizer.bin'))) {
    const both = await readFile(join(folder, 'optimizer.bin'));
    const state = z
      .object({ step: z.number().int() })
      .parse(JSON.parse(await readFile(join(folder, 'optimizer.json'), 'utf8')));
    optimizer = {
      m: fromBytes(both.subarray(0, size * 4), size, 'optimizer.bin'),
      v: fromBytes(both.subarray(size * 4), size, 'optimizer.bin'),
      step: state.step,
    };
  }
  return { file: parsed.data, params, optimizer };
}

/** Writes `folder` (created when missing) so that readModelFolder gives back the same file, weights and state. */
export async function writeModelFolder(options: { folder: string } & ModelFolder): Promise<void> {
  const { folder, file, params, optimizer } = options;
  await mkdir(folder, { recursive: true });
  await writeFile(join(folder, 'model.json'), `${JSON.stringify(file, null, 1)}\n`);
  await writeFile(join(folder, 'params.bin'), toBytes(params));
  if (optimizer) {
    await writeFile(join(folder, 'optimizer.bin'), Buffer.concat([toBytes(optimizer.m), toBytes(optimizer.v)]));
    await writeFile(join(folder, 'optimizer.json'), JSON.stringify({ step: optimizer.step }));
  }
}

/** Throws unless the folder's model has the shape `config` describes (same keys, same order, same values). */
export function checkSameShape(options: { file: ModelFile; config: TransformerConfig; folder: string }): void {
  if (JSON.stringify(options.file.transformer) !== JSON.stringify(options.config)) {
    throw new BackboneError(`the model in ${options.folder} has another shape than this one`, {
      code: 'TINYLM_SHAPE_MISMATCH',
    });
  }
}
