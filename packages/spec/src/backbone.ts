import type { ChatMessage, ToolSpec } from './chat-message.ts';
import type { FinishReason, SamplingParams } from './tuner.ts';

export interface BackboneCapabilities {
  /** forwardBackward/optimStep do something. False for a plain OpenAI-compatible endpoint. */
  trainable: boolean;
  lora: boolean;
  maxModelLen: number;
  /** Token ids run 0..vocabSize-1; a server refuses others (backbone-request-checks.ts). Unchecked when absent. */
  vocabSize?: number;
}

export interface BackboneInfo {
  model: string;
  tokenizer: string;
  policyVersion: number;
  capabilities: BackboneCapabilities;
}

export interface RenderChatRequest {
  messages: ChatMessage[];
  tools?: ToolSpec[];
  /** Default true: end with the tokens that open an assistant turn. */
  addGenerationPrompt?: boolean;
  /**
   * Incremental rendering. `tokenIds` is the exact sequence so far (an earlier prompt plus its sampled
   * completion), which covers `messages[0 .. messageCount)`. The reply is then only the tokens to append so that
   * the sequence renders all of `messages` (closing the last assistant turn when its completion did not).
   */
  prefix?: { tokenIds: number[]; messageCount: number };
}

export interface RenderChatResponse {
  tokenIds: number[];
}

export interface DetokenizeRequest {
  tokenIds: number[];
}

export interface DetokenizeResponse {
  /** The text of each token on its own (special tokens written out), as long as `tokenIds`. */
  pieces: string[];
}

export interface SampleRequest {
  promptIds: number[];
  /** Completions to draw from the same prompt; default 1. */
  n?: number;
  sampling: SamplingParams;
}

export interface Completion {
  tokenIds: number[];
  /**
   * Sampler logprob of each token of `tokenIds`, under the tempered distribution softmax(logits / temperature)
   * (untempered when greedy), before any top-p truncation.
   */
  logprobs: number[];
  text: string;
  finishReason: FinishReason;
}

export interface SampleResponse {
  completions: Completion[];
  /** The weights that produced these completions (increments with every optimStep). */
  policyVersion: number;
}

/** renderChat and sample in one call: the prompt is `prefix.tokenIds` (if any) followed by the rendered tokens. */
export interface SampleChatRequest {
  messages: ChatMessage[];
  tools?: ToolSpec[];
  /** As RenderChatRequest.prefix. */
  prefix?: { tokenIds: number[]; messageCount: number };
  /** Completions to draw; default 1. */
  n?: number;
  /** `maxTokens` is clamped to the room left in `maxModelLen` after the prompt (all of it when unset). */
  sampling: SamplingParams;
}

export interface SampleChatResponse {
  /** What renderChat returns for the request (with the generation prompt): the increment after the prefix. */
  renderedIds: number[];
  /** Empty when the prompt leaves no room in `maxModelLen`. */
  completions: Completion[];
  policyVersion: number;
}

/** One training sequence. Arrays are per token and all as long as `tokenIds`. */
export interface TrainingSample {
  tokenIds: number[];
  /** 1 where the token's loss counts (tokens the policy sampled), else 0. */
  lossMask: number[];
  /** Sampler logprob of each token where the mask is 1, else 0. */
  samplerLogprobs: number[];
  /** The episode's advantage; every masked-in token of the sample gets it. */
  advantage: number;
}

export type LossAggregation = 'token-mean' | 'seq-mean';

/** KL penalty to the frozen reference policy, estimated per token with k3 = exp(r) - r - 1, r = ref - logp. */
export interface KlPenalty {
  beta: number;
  estimator: 'k3';
}

/**
 * The loss forwardBackward computes. With ratio = exp(logp - samplerLogprob) and A the advantage:
 * - `cross_entropy`: -logp (supervised; advantage ignored).
 * - `ppo`: max(-A·ratio, -A·clip(ratio, 1 - clipLow, 1 + clipHigh)); with `dualClip` c and A < 0 the per-token
 *   loss is further capped at -c·A.
 * - `importance_sampling`: -A·ratio (no clipping).
 * Aggregation: `token-mean` averages over every masked-in token of the call; `seq-mean` averages each
 * sequence's tokens, then the sequences.
 */
export type LossSpec =
  | { type: 'cross_entropy'; aggregation: LossAggregation }
  | {
      type: 'ppo';
      clipLow: number;
      clipHigh: number;
      dualClip?: number;
      kl?: KlPenalty;
      aggregation: LossAggregation;
    }
  | { type: 'importance_sampling'; kl?: KlPenalty; aggregation: LossAggregation };

export interface ForwardBackwardRequest {
  samples: TrainingSample[];
  loss: LossSpec;
  /** Multiplies the loss before backward, for accumulating several calls into one step. Default 1. */
  lossScale?: number;
  /**
   * The sampling temperature the samples were drawn at: logits are divided by it before the log-softmax, so the
   * ratio to the sampler's logprobs is 1 at the sampler's weights. Default 1.
   */
  temperature?: number;
}

export interface ForwardBackwardResponse {
  loss: number;
  /** e.g. `tokens`, `clip_frac`, `kl`, `entropy`, `ratio_mean`. */
  metrics: Record<string, number>;
}

export interface OptimStepRequest {
  learningRate: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** Clip the global gradient norm to this before the step; 0 turns clipping off. */
  maxGradNorm: number;
}

export interface OptimStepResponse {
  policyVersion: number;
  /**
   * Global gradient norm before clipping. Not finite when the accumulated gradients or a loss since the last step
   * were not: then nothing was applied, the gradients are zeroed and `policyVersion` is unchanged.
   */
  gradNorm: number;
}

export interface StateRequest {
  /**
   * Where the state goes. A backbone whose `stateStore` is `local` (the default) takes a folder on this machine and
   * creates it; a `server` backbone takes a relative name (`run-1/step-3`, no `..`) under the server's own state
   * root, which may be on another machine.
   */
  path: string;
  includeOptimizer: boolean;
  /**
   * saveState on a `server` backbone: earlier states (names) to delete once this one is saved, so the server keeps
   * only what the trainer keeps. A `local` backbone ignores it (the trainer deletes its own folders).
   */
  remove?: readonly string[];
}

export interface SavedState {
  /**
   * The folder the state went to, absolute, on the machine that holds the backbone; or, for a server that names
   * states in a protocol of its own, that name (a Tinker server's `tinker://<model>/weights/<name>`).
   */
  path: string;
  /** The backend holding that folder (its address) when it is not this process's machine. */
  server?: string;
}

/**
 * The policy: token in, token out, and training. In process (`debug`) or over gRPC (`grpc`); every
 * implementation passes the conformance suite (`@ajet/backbone-kit/conformance`). Gradients from forwardBackward
 * accumulate until optimStep.
 */
export interface Backbone {
  getInfo(): Promise<BackboneInfo>;
  renderChat(request: RenderChatRequest): Promise<RenderChatResponse>;
  /** Per-token text, for trajectory views. */
  detokenize(request: DetokenizeRequest): Promise<DetokenizeResponse>;
  sample(request: SampleRequest): Promise<SampleResponse>;
  /**
   * Optional: renderChat then sample in one round trip (what the runtime does for every model call). Must give
   * what those two calls give; the runtime makes them itself when a backbone leaves this out.
   */
  sampleChat?(request: SampleChatRequest): Promise<SampleChatResponse>;
  forwardBackward(request: ForwardBackwardRequest): Promise<ForwardBackwardResponse>;
  optimStep(request: OptimStepRequest): Promise<OptimStepResponse>;
  /**
   * Where saveState/loadState paths live: `local` (absent means local) is a folder on the trainer's machine;
   * `server` is a name under the backend's own state root.
   */
  readonly stateStore?: 'local' | 'server';
  saveState(request: StateRequest): Promise<SavedState>;
  loadState(request: StateRequest): Promise<void>;
  /** Release threads, sockets, child processes. */
  close(): Promise<void>;
}
