import { sampleChatInParts } from '@ajet/backbone-kit';
import {
  type Backbone,
  BackboneError,
  type BackboneInfo,
  type Completion,
  type DetokenizeRequest,
  type DetokenizeResponse,
  type ForwardBackwardRequest,
  type ForwardBackwardResponse,
  type OptimStepRequest,
  type OptimStepResponse,
  type RenderChatRequest,
  type RenderChatResponse,
  type SampleChatRequest,
  type SampleChatResponse,
  type SampleRequest,
  type SampleResponse,
  type SavedState,
  type StateRequest,
} from '@ajet/spec';
import type protobuf from 'protobufjs';
import {
  createModelResponseSchema,
  createSessionResponseSchema,
  type ForwardBackwardRequestBody,
  forwardBackwardOutputSchema,
  loadWeightsResponseSchema,
  optimStepResponseSchema,
  type SampleRequestBody,
  sampleResponseSchema,
  saveWeightsResponseSchema,
  sessionHeartbeatResponseSchema,
  tinkerEndpoints,
} from './protocol.ts';
import type { TinkerClient } from './tinker-client.ts';
import { lossFromTinkerOutput, tinkerForwardBackwardInput } from './tinker-loss.ts';
import { encodeForwardBackwardRequest, loadTinkerPublicProto } from './tinker-proto.ts';

/** The base model's tokenizer and chat template, run here: Tinker takes and returns token ids only. */
export interface TinkerTokenizer {
  /** Its name, reported as `BackboneInfo.tokenizer`. */
  readonly name: string;
  renderChat(request: RenderChatRequest): RenderChatResponse | Promise<RenderChatResponse>;
  detokenize(request: DetokenizeRequest): DetokenizeResponse | Promise<DetokenizeResponse>;
}

export interface TinkerBackboneOptions {
  client: TinkerClient;
  /** e.g. `Qwen/Qwen3-8B`; must be one the server lists in get_server_capabilities. */
  baseModel: string;
  loraRank: number;
  /** Seed of the LoRA initialisation. */
  seed?: number;
  maxModelLen: number;
  tokenizer: TinkerTokenizer;
  /**
   * Send forward_backward as protobuf, as the SDK 0.38 does (hosted Tinker); default false: JSON, the SDK's older
   * form, which servers built against earlier SDKs read.
   */
  protobufForwardBackward?: boolean;
  /** How often the session is kept alive (`session_heartbeat`). Default 10 s, as the SDK. */
  heartbeatMs?: number;
}

/**
 * The Backbone over the Tinker API: one session and one LoRA training model, created on first use. Sampling after
 * an optimStep first saves the weights for the sampler (save_weights_for_sampler) and samples from that path.
 */
export class TinkerBackbone implements Backbone {
  readonly stateStore = 'server' as const;
  readonly #options: TinkerBackboneOptions;
  #modelId: Promise<string> | undefined;
  #policyVersion = 0;
  /** The sampler weights for `#policyVersion`, once saved; undefined means the base model (nothing trained yet). */
  #samplerPath: { version: number; path: string } | undefined;
  #weightsChanged = false;
  /** saveState names → the server's path and the policy version saved there (Tinker itself keeps no version). */
  readonly #savedPaths = new Map<string, { path: string; version: number }>();
  #heartbeat: NodeJS.Timeout | undefined;
  /** The training model's request counter: the server orders its calls by `seq_id` (1, 2, ...; the SDK's rule). */
  #lastSeqId = 0;
  #proto: protobuf.Root | undefined;
  #closed = false;

  constructor(options: TinkerBackboneOptions) {
    this.#options = options;
  }

  async getInfo(): Promise<BackboneInfo> {
    await this.#model();
    return {
      model: this.#options.baseModel,
      tokenizer: this.#options.tokenizer.name,
      policyVersion: this.#policyVersion,
      capabilities: { trainable: true, lora: true, maxModelLen: this.#options.maxModelLen },
    };
  }

  async renderChat(request: RenderChatRequest): Promise<RenderChatResponse> {
    return await this.#options.tokenizer.renderChat(request);
  }

  async detokenize(request: DetokenizeRequest): Promise<DetokenizeResponse> {
    return await this.#options.tokenizer.detokenize(request);
  }

  async sample(request: SampleRequest): Promise<SampleResponse> {
    const { client, baseModel } = this.#options;
    const version = this.#policyVersion;
    const modelPath = await this.#samplerWeights();
    const { sampling } = request;
    const body: SampleRequestBody = {
      type: 'sample',
      num_samples: request.n ?? 1,
      prompt: { chunks: [{ type: 'encoded_text', tokens: request.promptIds }] },
      sampling_params: {
        temperature: sampling.temperature ?? 1,
        top_p: sampling.topP ?? 1,
        top_k: -1,
        ...(sampling.maxTokens !== undefined ? { max_tokens: sampling.maxTokens } : {}),
        ...(sampling.seed !== undefined ? { seed: sampling.seed } : {}),
        ...(sampling.stop !== undefined ? { stop: sampling.stop } : {}),
      },
      ...(modelPath ? { model_path: modelPath } : { base_model: baseModel }),
      topk_prompt_logprobs: 0,
      topk_sample_logprobs: 0,
      prompt_alt_tokens_k: 0,
    };
    const answer = await client.callFuture(tinkerEndpoints.asample, body, sampleResponseSchema);
    const completions = await Promise.all(
      answer.sequences.map(async (sequence, index): Promise<Completion> => {
        const logprobs = sequence.logprobs;
        if (!logprobs || logprobs.length !== sequence.tokens.length) {
          throw new BackboneError(
            `Tinker sample: sequence ${index} has ${logprobs?.length ?? 'no'} logprobs for ${sequence.tokens.length} tokens`,
            { code: 'TINKER_BAD_RESPONSE', address: client.baseUrl, hint: 'Training needs a logprob per token.' },
          );
        }
        const { pieces } = await this.detokenize({ tokenIds: sequence.tokens });
        return { tokenIds: sequence.tokens, logprobs, text: pieces.join(''), finishReason: sequence.stop_reason };
      }),
    );
    return { completions, policyVersion: version };
  }

  sampleChat(request: SampleChatRequest): Promise<SampleChatResponse> {
    return sampleChatInParts({ backbone: this, request, maxModelLen: this.#options.maxModelLen });
  }

  async forwardBackward(request: ForwardBackwardRequest): Promise<ForwardBackwardResponse> {
    const input = tinkerForwardBackwardInput(request);
    const modelId = await this.#model();
    const body: ForwardBackwardRequestBody = {
      model_id: modelId,
      seq_id: this.#nextSeqId(),
      forward_backward_input: input,
    };
    let wire: ForwardBackwardRequestBody | Uint8Array = body;
    if (this.#options.protobufForwardBackward) {
      this.#proto ??= loadTinkerPublicProto();
      wire = encodeForwardBackwardRequest({ root: this.#proto, body });
    }
    const output = await this.#options.client.callFuture(
      tinkerEndpoints.forwardBackward,
      wire,
      forwardBackwardOutputSchema,
    );
    return lossFromTinkerOutput({ request, outputs: output.loss_fn_outputs });
  }

  async optimStep(request: OptimStepRequest): Promise<OptimStepResponse> {
    const modelId = await this.#model();
    const answer = await this.#options.client.callFuture(
      tinkerEndpoints.optimStep,
      {
        type: 'optim_step',
        model_id: modelId,
        seq_id: this.#nextSeqId(),
        adam_params: {
          learning_rate: request.learningRate,
          beta1: request.beta1,
          beta2: request.beta2,
          eps: request.eps,
          weight_decay: request.weightDecay,
          grad_clip_norm: request.maxGradNorm,
        },
      },
      optimStepResponseSchema,
    );
    this.#policyVersion += 1;
    this.#weightsChanged = true;
    // Tinker reports no gradient norm in the protocol; a server that puts one in its metrics is believed, else 0.
    const metrics = answer.metrics ?? {};
    const gradNormKey = Object.keys(metrics).find((key) => key.startsWith('grad_norm'));
    return { policyVersion: this.#policyVersion, gradNorm: gradNormKey ? (metrics[gradNormKey] ?? 0) : 0 };
  }

  async saveState(request: StateRequest): Promise<SavedState> {
    const { client } = this.#options;
    const modelId = await this.#model();
    const answer = await client.callFuture(
      tinkerEndpoints.saveWeights,
      { type: 'save_weights', model_id: modelId, seq_id: this.#nextSeqId(), path: request.path, overwrite: false },
      saveWeightsResponseSchema,
    );
    this.#savedPaths.set(request.path, { path: answer.path, version: this.#policyVersion });
    return { path: answer.path, server: client.baseUrl };
  }

  async loadState(request: StateRequest): Promise<void> {
    const modelId = await this.#model();
    const saved = this.#savedPaths.get(request.path);
    await this.#options.client.callFuture(
      tinkerEndpoints.loadWeights,
      {
        type: 'load_weights',
        model_id: modelId,
        seq_id: this.#nextSeqId(),
        path: saved?.path ?? request.path,
        optimizer: request.includeOptimizer,
      },
      loadWeightsResponseSchema,
    );
    this.#weightsChanged = true;
    this.#samplerPath = undefined;
    // The version saved with this state when this process saved it; a state from another process keeps the count.
    if (saved) this.#policyVersion = saved.version;
  }

  async close(): Promise<void> {
    // The Tinker session ends when its heartbeats stop; fetch holds no connection of its own.
    this.#closed = true;
    clearInterval(this.#heartbeat);
  }

  #model(): Promise<string> {
    this.#modelId ??= this.#createModel();
    return this.#modelId;
  }

  async #createModel(): Promise<string> {
    const { client, baseModel, loraRank, seed } = this.#options;
    const session = await client.call(
      tinkerEndpoints.createSession,
      { type: 'create_session', tags: ['ajet'], user_metadata: null, sdk_version: 'ajet-tinker-0.1.0' },
      createSessionResponseSchema,
    );
    if (session.error_message) {
      throw new BackboneError(`Tinker create_session: ${session.error_message}`, {
        code: 'TINKER_REQUEST_FAILED',
        address: client.baseUrl,
      });
    }
    this.#keepAlive(session.session_id);
    const created = await client.callFuture(
      tinkerEndpoints.createModel,
      {
        type: 'create_model',
        session_id: session.session_id,
        model_seq_id: 0,
        base_model: baseModel,
        lora_config: {
          rank: loraRank,
          ...(seed !== undefined ? { seed } : {}),
          train_unembed: true,
          train_mlp: true,
          train_attn: true,
        },
        optimizer_config: { type: 'adamw' },
      },
      createModelResponseSchema,
    );
    return created.model_id;
  }

  #nextSeqId(): number {
    this.#lastSeqId += 1;
    return this.#lastSeqId;
  }

  #keepAlive(sessionId: string): void {
    if (this.#closed) return;
    const beat = () => {
      // A missed beat is not fatal (the server tolerates minutes); the next one may get through.
      this.#options.client
        .call(
          tinkerEndpoints.sessionHeartbeat,
          { type: 'session_heartbeat', session_id: sessionId },
          sessionHeartbeatResponseSchema,
          { deadlineMs: 10_000 },
        )
        .catch(() => {});
    };
    this.#heartbeat = setInterval(beat, this.#options.heartbeatMs ?? 10_000);
    this.#heartbeat.unref();
  }

  /** The path to sample from: undefined for the untouched base model, else the current weights saved for sampling. */
  async #samplerWeights(): Promise<string | undefined> {
    if (!this.#weightsChanged) return undefined;
    const version = this.#policyVersion;
    if (this.#samplerPath?.version === version) return this.#samplerPath.path;
    const modelId = await this.#model();
    const answer = await this.#options.client.callFuture(
      tinkerEndpoints.saveWeightsForSampler,
      {
        type: 'save_weights_for_sampler',
        model_id: modelId,
        seq_id: this.#nextSeqId(),
        path: `ajet-policy-${version}`,
        kind: 'snapshot',
      },
      saveWeightsResponseSchema,
    );
    this.#samplerPath = { version, path: answer.path };
    return answer.path;
  }
}
