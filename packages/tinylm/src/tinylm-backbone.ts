import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  type Backbone,
  BackboneError,
  type BackboneInfo,
  type BackboneRequestLimits,
  type Completion,
  checkDetokenizeRequest,
  checkForwardBackwardRequest,
  checkOptimStepRequest,
  checkRenderChatRequest,
  checkSampleRequest,
  type DetokenizeRequest,
  type DetokenizeResponse,
  type ForwardBackwardRequest,
  type ForwardBackwardResponse,
  type OptimStepRequest,
  type OptimStepResponse,
  type RenderChatRequest,
  type RenderChatResponse,
  type SampleRequest,
  type SampleResponse,
  type SavedState,
  type StateRequest,
  type TrainingSample,
} from '@ajet/spec';
import { z } from 'zod';
import { AdamW } from './adamw.ts';
import { renderChat } from './chat-format.ts';
import { GradientPool } from './internal/gradient-pool.ts';
import {
  accumulateShard,
  addSums,
  type GradientShard,
  type ShardSums,
  trainedTokens,
} from './internal/gradient-shard.ts';
import { logSoftmaxAt } from './internal/kernels.ts';
import { createRandom } from './internal/random.ts';
import { type DecoderSnapshot, Transformer, type TransformerConfig } from './internal/transformer.ts';
import { aggregationWeights } from './loss.ts';
import { END_OF_TEXT, IM_END, TinyTokenizer, type TokenizerData } from './tokenizer.ts';

export const modelFileSchema = z.object({
  name: z.string(),
  policyVersion: z.number().int().nonnegative(),
  transformer: z.object({
    vocabSize: z.number().int().positive(),
    dModel: z.number().int().positive(),
    nHeads: z.number().int().positive(),
    nLayers: z.number().int().positive(),
    dFeedForward: z.number().int().positive(),
    maxSeqLen: z.number().int().positive(),
  }),
  tokenizer: z.object({ pointers: z.number().int().nonnegative(), words: z.array(z.string()) }),
  notes: z.string().optional(),
});

export type ModelFile = z.output<typeof modelFileSchema>;

export interface TinyLmOptions {
  name: string;
  config: TransformerConfig;
  tokenizer: TokenizerData;
  params: Float32Array;
  policyVersion?: number;
  /** Seeds sampling when a request carries no seed. */
  seed?: number;
  /** Where gradients accumulate (a shared buffer for data-parallel workers); a new array when absent. */
  grads?: Float32Array;
  /**
   * Threads that compute forwardBackward's gradients, the calling one included (default 1). With more, the
   * weights move to shared memory and each batch is split by tokens across worker threads. The gradients depend
   * on the count (sums in another order), never on timing.
   */
  trainThreads?: number;
}

/** A Float32Array with the same values in shared memory, for worker threads to read. */
function shared(values: Float32Array): Float32Array {
  const out = new Float32Array(new SharedArrayBuffer(values.byteLength));
  out.set(values);
  return out;
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

/** Reads a model folder written by saveState (or the shipped weights). */
export async function readModelFolder(
  folder: string,
): Promise<{ file: ModelFile; params: Float32Array; optimizer?: { m: Float32Array; v: Float32Array; step: number } }> {
  const configFile = join(folder, 'model.json');
  if (!existsSync(configFile)) {
    throw new BackboneError(`no tinylm model in ${folder} (model.json missing)`, {
      code: 'TINYLM_NO_MODEL',
      hint: 'Point model.path at builtin:tinylm-calculator or at a folder a run saved (checkpoints/step-N).',
    });
  }
  const parsed = modelFileSchema.safeParse(JSON.parse(await readFile(configFile, 'utf8')));
  if (!parsed.success) {
    throw new BackboneError(`${configFile} is not a tinylm model file: ${parsed.error.issues[0]?.message}`, {
      code: 'TINYLM_BAD_MODEL',
    });
  }
  const model = new Transformer(parsed.data.transformer);
  const params = fromBytes(await readFile(join(folder, 'params.bin')), model.layout.size, join(folder, 'params.bin'));
  let optimizer: { m: Float32Array; v: Float32Array; step: number } | undefined;
  if (existsSync(join(folder, 'optimizer.bin'))) {
    const both = await readFile(join(folder, 'optimizer.bin'));
    const size = model.layout.size;
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

/**
 * Decoder states kept between sample calls, keyed by the tokens read: the other completions of a group and the
 * later turns of an episode start from them instead of reading their prompt again. Least recently used go first.
 */
class PrefixCache {
  private entries: { tokens: readonly number[]; snapshot: DecoderSnapshot; bytes: number }[] = [];
  private bytes = 0;
  hits = 0;
  tokensSkipped = 0;

  constructor(private readonly budgetBytes: number) {}

  /** The longest cached state whose tokens begin `prompt`. */
  longest(prompt: readonly number[]): DecoderSnapshot | undefined {
    let best = -1;
    for (let index = 0; index < this.entries.length; index++) {
      const { tokens } = this.entries[index] as { tokens: readonly number[] };
      if (tokens.length > prompt.length) continue;
      if (best >= 0 && tokens.length <= (this.entries[best]?.tokens.length ?? 0)) continue;
      let same = true;
      for (let position = tokens.length - 1; position >= 0; position--)
        if (tokens[position] !== prompt[position]) {
          same = false;
          break;
        }
      if (same) best = index;
    }
    if (best < 0) return undefined;
    const [entry] = this.entries.splice(best, 1);
    if (!entry) return undefined;
    this.entries.push(entry);
    this.hits += 1;
    this.tokensSkipped += entry.tokens.length;
    return entry.snapshot;
  }

  add(tokens: readonly number[], snapshot: DecoderSnapshot): void {
    const bytes = 4 * (snapshot.keys.reduce((sum, keys) => sum + 2 * keys.length, 0) + snapshot.logits.length);
    if (bytes > this.budgetBytes) return;
    this.entries.push({ tokens, snapshot, bytes });
    this.bytes += bytes;
    while (this.bytes > this.budgetBytes) this.bytes -= this.entries.shift()?.bytes ?? 0;
  }

  clear(): void {
    this.entries = [];
    this.bytes = 0;
  }
}

/**
 * The embedded policy: a small transformer that renders ChatML, samples with exact logprobs, and trains with the
 * loss specs of the backend protocol, all in process on the CPU.
 */
export class TinyLmBackbone implements Backbone {
  readonly tokenizer: TinyTokenizer;
  readonly model: Transformer;
  readonly name: string;
  /** The weights. Write them through `setParams`, or call `paramsChanged` after writing them in place. */
  readonly params: Float32Array;
  readonly grads: Float32Array;
  /** The weights the run started from: the KL penalty's reference. */
  private readonly reference: Float32Array;
  private optimizer: AdamW;
  private policyVersion: number;
  private readonly seed: number;
  private sampleCount = 0;
  private readonly prefixes = new PrefixCache(64 * 1024 * 1024);
  private readonly pool: GradientPool | undefined;
  /** A forwardBackward since the last optimStep gave a non-finite loss: that step is skipped. */
  private nonFiniteLoss = false;

  constructor(options: TinyLmOptions) {
    this.name = options.name;
    this.model = new Transformer(options.config);
    this.tokenizer = new TinyTokenizer(options.tokenizer);
    if (this.tokenizer.vocabSize !== options.config.vocabSize) {
      throw new Error(`tokenizer has ${this.tokenizer.vocabSize} tokens, model ${options.config.vocabSize}`);
    }
    const threads = options.trainThreads ?? 1;
    if (!Number.isInteger(threads) || threads < 1)
      throw new Error(`trainThreads ${threads}: expected a whole number of at least 1`);
    const parallel = threads > 1;
    this.params =
      parallel && !(options.params.buffer instanceof SharedArrayBuffer) ? shared(options.params) : options.params;
    this.reference = parallel ? shared(options.params) : new Float32Array(options.params);
    this.grads = options.grads ?? new Float32Array(this.model.layout.size);
    this.pool = parallel
      ? new GradientPool({
          config: options.config,
          params: this.params,
          reference: this.reference,
          threads: threads - 1,
        })
      : undefined;
    this.optimizer = new AdamW(this.model.layout.size);
    this.policyVersion = options.policyVersion ?? 0;
    this.seed = options.seed ?? 0;
  }

  /** Replaces the weights (same shape); sampling forgets what it cached for the old ones. */
  setParams(values: Float32Array): void {
    this.params.set(values);
    this.paramsChanged();
  }

  /** Drops the decoder states sampling cached for the old weights. */
  paramsChanged(): void {
    this.prefixes.clear();
  }

  /** How often sampling started from a cached prompt state, and how many prompt tokens it did not read again. */
  prefixCacheStats(): { hits: number; tokensSkipped: number } {
    return { hits: this.prefixes.hits, tokensSkipped: this.prefixes.tokensSkipped };
  }

  async getInfo(): Promise<BackboneInfo> {
    return {
      model: this.name,
      tokenizer: 'tinylm words+bytes+number-pointers',
      policyVersion: this.policyVersion,
      capabilities: {
        trainable: true,
        lora: false,
        maxModelLen: this.model.config.maxSeqLen,
        vocabSize: this.model.config.vocabSize,
      },
    };
  }

  private get limits(): BackboneRequestLimits {
    return { maxModelLen: this.model.config.maxSeqLen, vocabSize: this.model.config.vocabSize };
  }

  async renderChat(request: RenderChatRequest): Promise<RenderChatResponse> {
    checkRenderChatRequest(request, this.limits);
    return {
      tokenIds: renderChat({
        tokenizer: this.tokenizer,
        messages: request.messages,
        addGenerationPrompt: request.addGenerationPrompt ?? true,
        prefix: request.prefix,
      }),
    };
  }

  async detokenize(request: DetokenizeRequest): Promise<DetokenizeResponse> {
    checkDetokenizeRequest(request, this.limits);
    const decoder = this.tokenizer.decoder([]);
    return { pieces: request.tokenIds.map((id) => decoder.push(id)) };
  }

  /** Draws one completion; exposed for tests and benchmarks. */
  sampleOne(options: { promptIds: readonly number[]; sampling: SampleRequest['sampling']; seed: number }): Completion {
    const { promptIds, sampling } = options;
    const maxSeqLen = this.model.config.maxSeqLen;
    if (promptIds.length === 0 || promptIds.length >= maxSeqLen) {
      throw new BackboneError(`prompt of ${promptIds.length} tokens does not fit tinylm's ${maxSeqLen}`, {
        code: 'TINYLM_PROMPT_LENGTH',
      });
    }
    const random = createRandom(options.seed);
    const temperature = sampling.temperature ?? 1;
    const topP = sampling.topP ?? 1;
    const maxTokens = Math.min(sampling.maxTokens ?? maxSeqLen, maxSeqLen - promptIds.length);
    const stops = sampling.stop ?? [];
    const decoder = this.model.createDecoder(this.params);
    const cached = this.prefixes.longest(promptIds);
    let logits = cached ? decoder.restore(cached) : new Float32Array(0);
    for (let position = decoder.length; position < promptIds.length; position++)
      logits = decoder.step(promptIds[position] as number);
    if (decoder.length > (cached?.length ?? 0)) this.prefixes.add(promptIds.slice(), decoder.snapshot(logits));
    const text = this.tokenizer.decoder(this.tokenizer.tableOf(promptIds));
    const vocab = this.model.config.vocabSize;
    const probabilities = new Float32Array(vocab);
    const tokenIds: number[] = [];
    const logprobs: number[] = [];
    let output = '';
    let finishReason: Completion['finishReason'] = 'length';
    while (tokenIds.length < maxTokens) {
      let token: number;
      let logprob: number;
      if (temperature <= 0) {
        token = 0;
        for (let index = 1; index < vocab; index++)
          if ((logits[index] as number) > (logits[token] as number)) token = index;
        logprob = logSoftmaxAt({ logits, offset: 0, size: vocab, temperature: 1, target: token });
      } else {
        logSoftmaxAt({ logits, offset: 0, size: vocab, temperature, target: 0, probabilities });
        token = sampleFrom({ probabilities, topP, draw: random() });
        logprob = Math.log(Math.max(probabilities[token] as number, 1e-30));
      }
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
      this.prefixes.add([...promptIds, ...tokenIds].slice(0, decoder.length), decoder.snapshot(logits));
    return { tokenIds, logprobs, text: output, finishReason };
  }

  async sample(request: SampleRequest): Promise<SampleResponse> {
    checkSampleRequest(request, this.limits);
    const base = request.sampling.seed ?? this.seed + this.sampleCount;
    this.sampleCount += 1;
    const completions = Array.from({ length: request.n ?? 1 }, (_, index) =>
      this.sampleOne({ promptIds: request.promptIds, sampling: request.sampling, seed: base + index * 7919 }),
    );
    return { completions, policyVersion: this.policyVersion };
  }

  async forwardBackward(request: ForwardBackwardRequest): Promise<ForwardBackwardResponse> {
    checkForwardBackwardRequest(request, this.limits);
    const { samples, loss: spec } = request;
    const counts = samples.map(trainedTokens);
    const totalTokens = counts.reduce((sum, count) => sum + count, 0);
    const weights = aggregationWeights({ aggregation: spec.aggregation, counts, lossScale: request.lossScale ?? 1 });
    const shards = this.shards(samples, counts, weights, { spec, temperature: request.temperature ?? 1 });
    const [own, ...others] = shards;
    const running = this.pool && others.length > 0 ? this.pool.run(others) : Promise.resolve([]);
    // The calling thread computes the first shard while the pool computes the others.
    let sums: ShardSums;
    try {
      sums = accumulateShard({
        model: this.model,
        params: this.params,
        reference: this.reference,
        grads: this.grads,
        shard: own ?? { samples: [], weights: [], spec, temperature: 1 },
      });
    } catch (error) {
      // Let the threads finish before the error goes up, so none of them fails unheard.
      await running.catch(() => undefined);
      throw error;
    }
    for (const other of await running) addSums(sums, other);
    this.pool?.addInto(this.grads);
    if (!Number.isFinite(sums.loss)) this.nonFiniteLoss = true;
    const denominator = Math.max(1, totalTokens);
    return {
      loss: sums.loss,
      metrics: {
        tokens: totalTokens,
        clip_frac: sums.clipped / denominator,
        ratio_mean: sums.ratio / denominator,
        kl: sums.kl / denominator,
        entropy: sums.entropy / denominator,
      },
    };
  }

  /**
   * Splits a batch into one shard a thread, each sample to the shard with the fewest tokens so far, longest
   * first: the threads finish together and the split depends only on the batch.
   */
  private shards(
    samples: readonly TrainingSample[],
    counts: readonly number[],
    weights: readonly number[],
    settings: Pick<GradientShard, 'spec' | 'temperature'>,
  ): GradientShard[] {
    const threads = 1 + (this.pool?.size ?? 0);
    const trained = samples.map((_, index) => index).filter((index) => (counts[index] as number) > 0);
    const length = (index: number) => samples[index]?.tokenIds.length ?? 0;
    trained.sort((a, b) => length(b) - length(a) || a - b);
    const load = new Array<number>(threads).fill(0);
    const members: number[][] = Array.from({ length: threads }, () => []);
    for (const index of trained) {
      const least = load.indexOf(Math.min(...load));
      load[least] = (load[least] as number) + length(index);
      members[least]?.push(index);
    }
    return members
      .filter((indices) => indices.length > 0)
      .map((indices) => {
        indices.sort((a, b) => a - b);
        return {
          ...settings,
          samples: indices.map((index) => samples[index] as TrainingSample),
          weights: indices.map((index) => weights[index] as number),
        };
      });
  }

  /** Applies nothing after a non-finite loss or gradient (OptimStepResponse.gradNorm says so), only zeroes them. */
  async optimStep(request: OptimStepRequest): Promise<OptimStepResponse> {
    checkOptimStepRequest(request);
    const nonFiniteLoss = this.nonFiniteLoss;
    this.nonFiniteLoss = false;
    if (nonFiniteLoss) {
      this.grads.fill(0);
      return { policyVersion: this.policyVersion, gradNorm: Number.NaN };
    }
    const { gradNorm, applied } = this.optimizer.apply({ params: this.params, grads: this.grads, settings: request });
    if (!applied) return { policyVersion: this.policyVersion, gradNorm };
    this.paramsChanged();
    this.policyVersion += 1;
    return { policyVersion: this.policyVersion, gradNorm };
  }

  /** The model as a file: what saveState writes and createTinyLm reads. */
  modelFile(notes?: string): ModelFile {
    return {
      name: this.name,
      policyVersion: this.policyVersion,
      transformer: this.model.config,
      tokenizer: this.tokenizer.toJSON(),
      ...(notes ? { notes } : {}),
    };
  }

  async saveState(request: StateRequest): Promise<SavedState> {
    await mkdir(request.path, { recursive: true });
    await writeFile(join(request.path, 'model.json'), `${JSON.stringify(this.modelFile(), null, 1)}\n`);
    await writeFile(join(request.path, 'params.bin'), toBytes(this.params));
    if (request.includeOptimizer) {
      await writeFile(
        join(request.path, 'optimizer.bin'),
        Buffer.concat([toBytes(this.optimizer.m), toBytes(this.optimizer.v)]),
      );
      await writeFile(join(request.path, 'optimizer.json'), JSON.stringify({ step: this.optimizer.step }));
    }
    return { path: resolve(request.path) };
  }

  async loadState(request: StateRequest): Promise<void> {
    const { file, params, optimizer } = await readModelFolder(request.path);
    if (JSON.stringify(file.transformer) !== JSON.stringify(this.model.config)) {
      throw new BackboneError(`the model in ${request.path} has another shape than this one`, {
        code: 'TINYLM_SHAPE_MISMATCH',
      });
    }
    this.setParams(params);
    this.policyVersion = file.policyVersion;
    this.grads.fill(0);
    this.nonFiniteLoss = false;
    if (request.includeOptimizer && optimizer) {
      this.optimizer = new AdamW(this.model.layout.size);
      this.optimizer.m.set(optimizer.m);
      this.optimizer.v.set(optimizer.v);
      this.optimizer.step = optimizer.step;
    }
  }

  async close(): Promise<void> {
    await this.pool?.close();
  }
}

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
