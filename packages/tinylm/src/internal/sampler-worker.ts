// A thread of SamplerPool: draws completions with the weights each job names (a snapshot per weights generation,
// in shared memory), keeping its own cache of prompt states for the weights it last used.
import { parentPort, workerData } from 'node:worker_threads';
import type { TransformerConfig } from '../model-folder.ts';
import { sampleCompletion } from '../sampler.ts';
import { TinyTokenizer, type TokenizerData } from '../tokenizer.ts';
import { PrefixCache } from './prefix-cache.ts';
import type { SamplerJob, SamplerReply } from './sampler-pool.ts';
import { Transformer } from './transformer.ts';

const data = workerData as { config: TransformerConfig; tokenizer: TokenizerData; prefixBudgetBytes: number };
const model = new Transformer(data.config);
const tokenizer = new TinyTokenizer(data.tokenizer);
const prefixes = new PrefixCache(data.prefixBudgetBytes);
let generation = -1;
let params: Float32Array = new Float32Array(0);

function reply(message: SamplerReply): void {
  parentPort?.postMessage(message);
}

parentPort?.on('message', (job: SamplerJob) => {
  try {
    if (job.weights.generation !== generation) {
      const values = new Float32Array(job.weights.buffer);
      if (values.length !== model.layout.size)
        throw new Error(`weights of ${values.length} values for a model of ${model.layout.size}`);
      generation = job.weights.generation;
      params = values;
      prefixes.clear();
    }
    const completion = sampleCompletion({
      model,
      params,
      tokenizer,
      prefixes,
      promptIds: job.promptIds,
      sampling: job.sampling,
      seed: job.seed,
    });
    reply({ id: job.id, completion });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    reply({
      id: job.id,
      error: {
        message: error instanceof Error ? error.message : String(error),
        code: typeof code === 'string' ? code : undefined,
      },
    });
  }
});
