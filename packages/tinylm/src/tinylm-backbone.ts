import { resolve } from 'node:path';
import { backboneDefaults } from '@ajet/backbone-kit';
import {
  type Backbone,
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
} from '@ajet/spec';
import { AdamW } from './adamw.ts';
import { renderChat } from './chat-format.ts';
import { trainedTokens } from './internal/gradient-shard.ts';
import { GradientThreads } from './internal/gradient-threads.ts';
import { PrefixCache } from './internal/prefix-cache.ts';
import { SamplerPool, type WeightsSnapshot } from './internal/sampler-pool.ts';
import { Transformer } from './internal/transformer.ts';
import { aggregationWeights } from './loss.ts';
import {
  checkSameShape,
  type ModelFile,
  readModelFolder,
  type TransformerConfig,
  writeModelFolder,
} from './model-folder.ts';
import { sampleCompletion } from './sampler.ts';
import { TinyTokenizer, type TokenizerData } from './tokenizer.ts';

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
   * weights move to shared memory and each batch is split by tokens across worker threads. Each sample's gradient
   * is summed in batch order, so the gradients depend neither on the count nor on timing.
   */
  trainThreads?: number;
  /**
   * Consecutive samples of a forwardBackward batch that share a prompt (a GRPO group) compute it once, in one
   * packed forward/backward (default true): the same logits and loss, the gradient equal up to float rounding.
   * False computes each sample alone; for benchmarks and tests.
   */
  sharePrefixes?: boolean;
  /**
   * Worker threads that draw completions (default 0: the calling thread). With some, a sample call returns at once
   * and several calls (episodes) sample at the same time; each uses the weights as they were when it was called.
   * A completion is the same bits on any thread.
   */
  sampleThreads?: number;
}

const PREFIX_CACHE_BYTES = 64 * 1024 * 1024;

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
  private readonly threads: GradientThreads;
  private optimizer: AdamW;
  private policyVersion: number;
  private readonly seed: number;
  private sampleCount = 0;
  private readonly prefixes = new PrefixCache(PREFIX_CACHE_BYTES);
  private readonly samplers: SamplerPool | undefined;
  /** Counts changes of the weights; the sampler threads' snapshot of the current ones, made when first needed. */
  private generation = 0;
  private snapshot: WeightsSnapshot | undefined;
  private readonly limits: BackboneRequestLimits;
  /** A forwardBackward since the last optimStep gave a non-finite loss: that step is skipped. */
  private nonFiniteLoss = false;

  constructor(options: TinyLmOptions) {
    this.name = options.name;
    this.model = new Transformer(options.config);
    this.tokenizer = new TinyTokenizer(options.tokenizer);
    if (this.tokenizer.vocabSize !== options.config.vocabSize) {
      throw new Error(`tokenizer has ${this.tokenizer.vocabSize} tokens, model ${options.config.vocabSize}`);
    }
    this.threads = new GradientThreads({
      model: this.model,
      params: options.params,
      grads: options.grads,
      threads: options.trainThreads ?? 1,
      sharePrefixes: options.sharePrefixes,
    });
    this.params = this.threads.params;
    this.grads = this.threads.grads;
    this.optimizer = new AdamW(this.model.layout.size);
    this.policyVersion = options.policyVersion ?? 0;
    this.seed = options.seed ?? 0;
    this.limits = { maxModelLen: options.config.maxSeqLen, vocabSize: options.config.vocabSize };
    const sampleThreads = options.sampleThreads ?? 0;
    if (!Number.isInteger(sampleThreads) || sampleThreads < 0)
      throw new Error(`sampleThreads ${sampleThreads}: expected a whole number, 0 or more`);
    this.samplers =
      sampleThreads > 0
        ? new SamplerPool({
            config: options.config,
            tokenizer: this.tokenizer.toJSON(),
            threads: sampleThreads,
            prefixBudgetBytes: PREFIX_CACHE_BYTES / sampleThreads,
          })
        : undefined;
  }

  /** The sampler threads (none when sampling runs on the calling thread). */
  get samplerPool(): SamplerPool | undefined {
    return this.samplers;
  }

  /** Replaces the weights (same shape); sampling forgets what it cached for the old ones. */
  setParams(values: Float32Array): void {
    this.params.set(values);
    this.paramsChanged();
  }

  /** Drops the decoder states sampling cached for the old weights; sampler threads get the new ones. */
  paramsChanged(): void {
    this.prefixes.clear();
    this.generation += 1;
    this.snapshot = undefined;
  }

  /** The current weights in shared memory for the sampler threads: one copy per weights generation. */
  private weightsSnapshot(): WeightsSnapshot {
    if (!this.snapshot) {
      const buffer = new SharedArrayBuffer(this.params.byteLength);
      new Float32Array(buffer).set(this.params);
      this.snapshot = { generation: this.generation, buffer };
    }
    return this.snapshot;
  }

  /**
   * How often sampling on the calling thread started from a cached prompt state, and how many prompt tokens it did
   * not read again (sampler threads keep their own caches).
   */
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

  async renderChat(request: RenderChatRequest): Promise<RenderChatResponse> {
    checkRenderChatRequest(request, this.limits);
    return {
      tokenIds: renderChat({
        tokenizer: this.tokenizer,
        messages: request.messages,
        addGenerationPrompt: request.addGenerationPrompt ?? backboneDefaults.addGenerationPrompt,
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
    return sampleCompletion({
      ...options,
      model: this.model,
      params: this.params,
      tokenizer: this.tokenizer,
      prefixes: this.prefixes,
    });
  }

  /**
   * Draws `n` completions with the weights as they are at the call (a later update does not reach a call in flight),
   * on the sampler threads when there are some, else here.
   */
  async sample(request: SampleRequest): Promise<SampleResponse> {
    checkSampleRequest(request, this.limits);
    const base = request.sampling.seed ?? this.seed + this.sampleCount;
    this.sampleCount += 1;
    const policyVersion = this.policyVersion;
    const seeds = Array.from({ length: request.n ?? backboneDefaults.completions }, (_, index) => base + index * 7919);
    const { promptIds, sampling } = request;
    const samplers = this.samplers;
    if (samplers) {
      const weights = this.weightsSnapshot();
      const completions = await Promise.all(
        seeds.map((seed) => samplers.sample({ promptIds, sampling, seed, weights })),
      );
      return { completions, policyVersion };
    }
    return { completions: seeds.map((seed) => this.sampleOne({ promptIds, sampling, seed })), policyVersion };
  }

  async forwardBackward(request: ForwardBackwardRequest): Promise<ForwardBackwardResponse> {
    checkForwardBackwardRequest(request, this.limits);
    const { samples, loss: spec } = request;
    const temperature = request.temperature ?? backboneDefaults.temperature;
    const counts = samples.map(trainedTokens);
    const totalTokens = counts.reduce((sum, count) => sum + count, 0);
    const weights = aggregationWeights({
      aggregation: spec.aggregation,
      counts,
      lossScale: request.lossScale ?? backboneDefaults.lossScale,
    });
    const sums = await this.threads.accumulate({ samples, counts, weights, spec, temperature });
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
    await writeModelFolder({
      folder: request.path,
      file: this.modelFile(),
      params: this.params,
      optimizer: request.includeOptimizer ? this.optimizer : undefined,
    });
    return { path: resolve(request.path) };
  }

  async loadState(request: StateRequest): Promise<void> {
    const { file, params, optimizer } = await readModelFolder(request.path);
    checkSameShape({ file, config: this.model.config, folder: request.path });
    this.setParams(params);
    this.policyVersion = file.policyVersion;
    this.grads.fill(0);
    this.nonFiniteLoss = false;
    if (request.includeOptimizer && optimizer) this.optimizer = AdamW.restore(optimizer);
  }

  async close(): Promise<void> {
    await Promise.all([this.threads.close(), this.samplers?.close()]);
  }
}
