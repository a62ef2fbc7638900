import { createRandom } from '../internal/random.ts';
import { initializeParameters } from '../internal/transformer.ts';
import { TinyLmBackbone } from '../tinylm-backbone.ts';
import { buildWordList, TinyTokenizer } from '../tokenizer.ts';

/** A tiny random-weight tinylm for tests. */
export function tinyBackbone(
  options: {
    seed?: number;
    dModel?: number;
    maxSeqLen?: number;
    trainThreads?: number;
    sampleThreads?: number;
    sharePrefixes?: boolean;
  } = {},
): TinyLmBackbone {
  const words = buildWordList({
    texts: ['What is 12 plus 30? The answer is 42. operation: add operands'],
    minCount: 1,
    always: ['system', 'user', 'assistant', '<calculator>', '</calculator>'],
  });
  const tokenizer = new TinyTokenizer({ pointers: 8, words });
  const config = {
    vocabSize: tokenizer.vocabSize,
    dModel: options.dModel ?? 16,
    nHeads: 2,
    nLayers: 2,
    dFeedForward: 32,
    maxSeqLen: options.maxSeqLen ?? 64,
  };
  const params = initializeParameters(config, createRandom(options.seed ?? 1));
  // Larger weights than the usual init, so gradients are not vanishingly small in checks.
  for (let index = 0; index < params.length; index++) params[index] = (params[index] as number) * 3;
  return new TinyLmBackbone({
    name: 'tiny-test',
    config,
    tokenizer: tokenizer.toJSON(),
    params,
    seed: 3,
    trainThreads: options.trainThreads,
    sampleThreads: options.sampleThreads,
    sharePrefixes: options.sharePrefixes,
  });
}
