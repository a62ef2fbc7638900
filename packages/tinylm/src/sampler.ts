// Drawing completions: the token rule (greedy or nucleus) and the decode loop that reuses cached prompt states.
import { backboneDefaults } from '@ajet/backbone-kit';
import { BackboneError, type Completion, type SampleRequest } from '@ajet/spec';
import { logSoftmaxAt } from './internal/kernels.ts';
import type { PrefixCache } from './internal/prefix-cache.ts';
import { createRandom } from './internal/random.ts';
import type { Transformer } from './internal/transformer.ts';
import { END_OF_TEXT, IM_END, type TinyTokenizer } from './tokenizer.ts';

/** Samples an index from `probabilities` (sum 1) with nucleus truncation at `topP`. */
export function sampleFrom(options: { probabilities: Float32Array; topP: number; draw: number }): number {
  const { probabilities, topP, draw } = options;
  if (topP >= 1) {
    let cumulative = 0;
    for (let index = 0; index < probabilities.length; index++) {
      cumulative += probabilities[index] as number;
      if (draw < cumulative) return index;
    }
    return probabilities.length - 1;
  }
  const order = Array.from(probabilities.keys()).sort(
    (a, b) => (probabilities[b] as number) - (probabilities[a] as number),
  );
  let kept = 0;
  let mass = 0;
  while (kept < order.length && mass < topP) mass += probabilities[order[kept++] as number] as number;
  let cumulative = 0;
  for (let index = 0; index < kept; index++) {
    const token = order[index] as number;
    cumulative += (probabilities[token] as number) / mass;
    if (draw < cumulative) return token;
  }
  return order[kept - 1] as number;
}

/**
 * The next token after `logits` and its logprob. At temperature ≤ 0: the first largest logit, its logprob at
 * temperature 1, and no draw. Otherwise one draw from softmax(logits / temperature) cut at `topP`, its logprob under
 * that softmax (before the cut). `probabilities` is scratch with one entry a token of the vocabulary. The logprob is
 * rounded to float32, the precision of the wire (ajet.v1 sends logprobs as float32): the same bits reach the loss in
 * process and over gRPC.
 */
export function pickToken(options: {
  logits: Float32Array;
  temperature: number;
  topP: number;
  random: () => number;
  probabilities: Float32Array;
}): { token: number; logprob: number } {
  const { logits, temperature, probabilities } = options;
  const vocab = probabilities.length;
  if (temperature <= 0) {
    let token = 0;
    for (let index = 1; index < vocab; index++)
      if ((logits[index] as number) > (logits[token] as number)) token = index;
    const logprob = logSoftmaxAt({ logits, offset: 0, size: vocab, temperature: 1, target: token });
    return { token, logprob: Math.fround(logprob) };
  }
  logSoftmaxAt({ logits, offset: 0, size: vocab, temperature, target: 0, probabilities });
  const token = sampleFrom({ probabilities, topP: options.topP, draw: options.random() });
  return { token, logprob: Math.fround(Math.log(Math.max(probabilities[token] as number, 1e-30))) };
}

/**
 * Draws one completion of `promptIds`, starting from the longest cached state of its prompt and caching the states
 * after the prompt and after the completion (a group's other completions and the next turn start there).
 */
export function sampleCompletion(options: {
  model: Transformer;
  params: Float32Array;
  tokenizer: TinyTokenizer;
  prefixes: PrefixCache;
  promptIds: readonly number[];
  sampling: SampleRequest['sampling'];
  seed: number;
}): Completion {
  const { model, tokenizer, prefixes, promptIds, sampling } = options;
  const maxSeqLen = model.config.maxSeqLen;
  if (promptIds.length === 0 || promptIds.length >= maxSeqLen) {
    throw new BackboneError(`prompt of ${promptIds.length} tokens does not fit tinylm's ${maxSeqLen}`, {
      code: 'TINYLM_PROMPT_LENGTH',
    });
  }
  const random = createRandom(options.seed);
  const temperature = sampling.temperature ?? backboneDefaults.temperature;
  const topP = sampling.topP ?? backboneDefaults.topP;
  const maxTokens = Math.min(sampling.maxTokens ?? maxSeqLen, maxSeqLen - promptIds.length);
  const stops = sampling.stop ?? [];
  const decoder = model.createDecoder(options.params);
  const cached = prefixes.longest(promptIds);
  let logits = cached ? decoder.restore(cached) : new Float32Array(0);
  for (let position = decoder.length; position < promptIds.length; position++)
    logits = decoder.step(promptIds[position] as number);
  if (decoder.length > (cached?.length ?? 0)) prefixes.add(promptIds.slice(), decoder.snapshot(logits));
  const text = tokenizer.decoder(tokenizer.tableOf(promptIds));
  const probabilities = new Float32Array(model.config.vocabSize);
  const tokenIds: number[] = [];
  const logprobs: number[] = [];
  let output = '';
  let finishReason: Completion['finishReason'] = 'length';
  while (tokenIds.length < maxTokens) {
    const { token, logprob } = pickToken({ logits, temperature, topP, random, probabilities });
    tokenIds.push(token);
    logprobs.push(logprob);
    if (token === IM_END || token === END_OF_TEXT) {
      finishReason = 'stop';
      break;
    }
    output += text.push(token);
    if (stops.some((stop) => stop.length > 0 && output.endsWith(stop))) {
      finishReason = 'stop';
      break;
    }
    if (tokenIds.length < maxTokens) logits = decoder.step(token);
  }
  // The next turn's prompt usually begins with this one's prompt and completion.
  if (decoder.length > promptIds.length)
    prefixes.add([...promptIds, ...tokenIds].slice(0, decoder.length), decoder.snapshot(logits));
  return { tokenIds, logprobs, text: output, finishReason };
}
