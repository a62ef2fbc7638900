/**
 * Messages of backend.proto as `loadBackend` decodes them (camelCase, bytes as Buffer, enums as names).
 * When encoding, optional fields may be left out and Uint8Array stands for bytes.
 */
export interface WireCapabilities {
  trainable: boolean;
  lora: boolean;
  maxModelLen: number;
  /** 0 when the server does not say. */
  vocabSize: number;
}

export interface WireGetInfoResponse {
  model: string;
  tokenizer: string;
  policyVersion: number;
  capabilities: WireCapabilities;
}

export interface WireToolCall {
  id: string;
  name: string;
  arguments: string;
}

export interface WireChatMessage {
  role: string;
  content: string;
  toolCalls: WireToolCall[];
  malformedToolCalls: { raw: string; error: string }[];
  toolCallId?: string;
  name?: string;
}

export interface WireToolSpec {
  name: string;
  description: string;
  parametersJson: string;
}

export interface WireRenderChatRequest {
  messages: WireChatMessage[];
  tools: WireToolSpec[];
  addGenerationPrompt?: boolean;
  prefix?: { tokenIds: Uint8Array; messageCount: number };
}

export interface WireTokens {
  tokenIds: Uint8Array;
}

export interface WireDetokenizeResponse {
  pieces: string[];
}

export interface WireSamplingParams {
  temperature?: number;
  topP?: number;
  maxTokens?: number;
  stop: string[];
  seed?: number;
}

export interface WireSampleRequest {
  promptIds: Uint8Array;
  n: number;
  sampling: WireSamplingParams;
}

export type WireFinishReason =
  | 'FINISH_REASON_UNSPECIFIED'
  | 'FINISH_REASON_STOP'
  | 'FINISH_REASON_LENGTH'
  | 'FINISH_REASON_ABORT';

export interface WireSampleChunk {
  index: number;
  tokenIds: Uint8Array;
  logprobs: Uint8Array;
  text: string;
  finishReason: WireFinishReason;
  policyVersion: number;
}

export interface WireSampleChatRequest {
  messages: WireChatMessage[];
  tools: WireToolSpec[];
  prefix?: { tokenIds: Uint8Array; messageCount: number };
  n: number;
  sampling: WireSamplingParams;
}

export interface WireSampleChatResponse {
  renderedIds: Uint8Array;
  completions: WireSampleChunk[];
  policyVersion: number;
}

export interface WireTrainingSample {
  tokenIds: Uint8Array;
  lossMask: Uint8Array;
  samplerLogprobs: Uint8Array;
  advantage: number;
}

export type WireLossAggregation =
  | 'LOSS_AGGREGATION_UNSPECIFIED'
  | 'LOSS_AGGREGATION_TOKEN_MEAN'
  | 'LOSS_AGGREGATION_SEQ_MEAN';

export interface WireLossSpec {
  crossEntropy?: { aggregation: WireLossAggregation };
  ppo?: {
    clipLow: number;
    clipHigh: number;
    dualClip?: number;
    kl?: { beta: number };
    aggregation: WireLossAggregation;
  };
  importanceSampling?: { kl?: { beta: number }; aggregation: WireLossAggregation };
  /** Set when decoding: which member of the oneof is present. */
  loss?: 'crossEntropy' | 'ppo' | 'importanceSampling';
}

export interface WireForwardBackwardRequest {
  samples: WireTrainingSample[];
  loss: WireLossSpec;
  lossScale?: number;
  temperature?: number;
}

export interface WireForwardBackwardResponse {
  loss: number;
  metrics: Record<string, number>;
}

export interface WireOptimStepRequest {
  learningRate: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  maxGradNorm: number;
}

export interface WireOptimStepResponse {
  policyVersion: number;
  gradNorm: number;
}

export interface WireStateRequest {
  /** Relative to the server's state root. */
  name: string;
  includeOptimizer: boolean;
  /** SaveState: earlier names to delete after saving. */
  remove?: string[];
}

export interface WireStateResponse {
  /** Absolute, on the server. */
  path: string;
}
