import type {
  BackboneInfo,
  ChatMessage,
  Completion,
  FinishReason,
  ForwardBackwardRequest,
  ForwardBackwardResponse,
  LossSpec,
  OptimStepRequest,
  OptimStepResponse,
  RenderChatRequest,
  SampleRequest,
  SampleResponse,
  SamplingParams,
  ToolSpec,
  TrainingSample,
} from '@ajet/spec';

// Wire shapes as @grpc/proto-loader hands them over (keepCase, longs as numbers, bytes as Buffer).

export interface WireToolCall {
  id: string;
  name: string;
  arguments: string;
}
export interface WireChatMessage {
  role: string;
  content: string;
  tool_calls: WireToolCall[];
  tool_call_id: string;
  name: string;
}
export interface WireToolSpec {
  name: string;
  description: string;
  parameters_json: string;
}
export interface WireGetInfoResponse {
  model: string;
  tokenizer: string;
  policy_version: number;
  trainable: boolean;
  lora: boolean;
  max_model_len: number;
}
export interface WireRenderChatRequest {
  messages: WireChatMessage[];
  tools: WireToolSpec[];
  add_generation_prompt?: boolean;
  has_prefix?: boolean;
  prefix_token_ids?: Uint8Array;
  prefix_message_count?: number;
}
export interface WireTokens {
  token_ids: Uint8Array;
}
export interface WireDetokenizeResponse {
  pieces: string[];
}
export interface WireSamplingParams {
  temperature?: number;
  top_p?: number;
  max_tokens?: number;
  stop: string[];
  seed?: number;
}
export interface WireSampleRequest {
  prompt_ids: Uint8Array;
  n?: number;
  sampling?: WireSamplingParams;
}
export interface WireCompletion {
  token_ids: Uint8Array;
  logprobs: Uint8Array;
  text: string;
  finish_reason: string;
}
export interface WireSampleResponse {
  completions: WireCompletion[];
  policy_version: number;
}
export interface WireTrainingSample {
  token_ids: Uint8Array;
  loss_mask: Uint8Array;
  sampler_logprobs: Uint8Array;
  advantage: number;
}
export interface WireLossSpec {
  type: string;
  clip_low?: number;
  clip_high?: number;
  dual_clip?: number;
  kl?: { beta: number; estimator: string };
  aggregation: string;
}
export interface WireForwardBackwardRequest {
  samples: WireTrainingSample[];
  loss?: WireLossSpec;
  loss_scale?: number;
  temperature?: number;
}
export interface WireForwardBackwardResponse {
  loss: number;
  metrics: Record<string, number>;
}
export interface WireOptimStepRequest {
  learning_rate: number;
  beta1: number;
  beta2: number;
  eps: number;
  weight_decay: number;
  max_grad_norm: number;
}
export interface WireOptimStepResponse {
  policy_version: number;
  grad_norm: number;
}
export interface WireStateRequest {
  path: string;
  include_optimizer: boolean;
}

/** Little-endian int32 bytes, the protocol's encoding of token ids. */
export function int32ToBytes(values: readonly number[]): Uint8Array {
  const array = Int32Array.from(values);
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

export function bytesToInt32(bytes: Uint8Array | undefined): number[] {
  if (!bytes || bytes.byteLength === 0) return [];
  const copy = new Uint8Array(bytes);
  return Array.from(new Int32Array(copy.buffer, 0, copy.byteLength >> 2));
}

/** Little-endian float32 bytes, the protocol's encoding of logprobs. */
export function float32ToBytes(values: readonly number[]): Uint8Array {
  const array = Float32Array.from(values);
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

export function bytesToFloat32(bytes: Uint8Array | undefined): number[] {
  if (!bytes || bytes.byteLength === 0) return [];
  const copy = new Uint8Array(bytes);
  return Array.from(new Float32Array(copy.buffer, 0, copy.byteLength >> 2));
}

export function maskToBytes(values: readonly number[]): Uint8Array {
  return Uint8Array.from(values);
}

export function bytesToMask(bytes: Uint8Array | undefined): number[] {
  return bytes ? Array.from(bytes) : [];
}

// Spec type <-> wire shape.

export function encodeMessage(message: ChatMessage): WireChatMessage {
  return {
    role: message.role,
    content: message.content,
    tool_calls: (message.toolCalls ?? []).map((call) => ({ id: call.id, name: call.name, arguments: call.arguments })),
    tool_call_id: message.toolCallId ?? '',
    name: message.name ?? '',
  };
}

export function decodeMessage(message: WireChatMessage): ChatMessage {
  const out: ChatMessage = { role: message.role as ChatMessage['role'], content: message.content ?? '' };
  if (message.tool_calls?.length) out.toolCalls = message.tool_calls.map((call) => ({ ...call }));
  if (message.tool_call_id) out.toolCallId = message.tool_call_id;
  if (message.name) out.name = message.name;
  return out;
}

export function encodeTool(tool: ToolSpec): WireToolSpec {
  return { name: tool.name, description: tool.description, parameters_json: JSON.stringify(tool.parameters) };
}

export function decodeTool(tool: WireToolSpec): ToolSpec {
  let parameters: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(tool.parameters_json || '{}');
    if (typeof parsed === 'object' && parsed !== null) parameters = parsed as Record<string, unknown>;
  } catch {
    parameters = {};
  }
  return { name: tool.name, description: tool.description, parameters };
}

export function encodeInfo(info: BackboneInfo): WireGetInfoResponse {
  return {
    model: info.model,
    tokenizer: info.tokenizer,
    policy_version: info.policyVersion,
    trainable: info.capabilities.trainable,
    lora: info.capabilities.lora,
    max_model_len: info.capabilities.maxModelLen,
  };
}

export function decodeInfo(info: WireGetInfoResponse): BackboneInfo {
  return {
    model: info.model ?? '',
    tokenizer: info.tokenizer ?? '',
    policyVersion: Number(info.policy_version ?? 0),
    capabilities: {
      trainable: Boolean(info.trainable),
      lora: Boolean(info.lora),
      maxModelLen: Number(info.max_model_len ?? 0),
    },
  };
}

export function encodeRenderChat(request: RenderChatRequest): WireRenderChatRequest {
  return {
    messages: request.messages.map(encodeMessage),
    tools: (request.tools ?? []).map(encodeTool),
    ...(request.addGenerationPrompt === undefined ? {} : { add_generation_prompt: request.addGenerationPrompt }),
    has_prefix: request.prefix !== undefined,
    prefix_token_ids: int32ToBytes(request.prefix?.tokenIds ?? []),
    prefix_message_count: request.prefix?.messageCount ?? 0,
  };
}

export function decodeRenderChat(request: WireRenderChatRequest): RenderChatRequest {
  return {
    messages: (request.messages ?? []).map(decodeMessage),
    tools: (request.tools ?? []).map(decodeTool),
    addGenerationPrompt: request.add_generation_prompt ?? true,
    prefix: request.has_prefix
      ? { tokenIds: bytesToInt32(request.prefix_token_ids), messageCount: request.prefix_message_count ?? 0 }
      : undefined,
  };
}

function encodeSampling(sampling: SamplingParams): WireSamplingParams {
  return {
    ...(sampling.temperature === undefined ? {} : { temperature: sampling.temperature }),
    ...(sampling.topP === undefined ? {} : { top_p: sampling.topP }),
    ...(sampling.maxTokens === undefined ? {} : { max_tokens: sampling.maxTokens }),
    stop: sampling.stop ?? [],
    ...(sampling.seed === undefined ? {} : { seed: sampling.seed }),
  };
}

function decodeSampling(sampling: WireSamplingParams | undefined): SamplingParams {
  const out: SamplingParams = {};
  if (!sampling) return out;
  if (sampling.temperature !== undefined && sampling.temperature !== null) out.temperature = sampling.temperature;
  if (sampling.top_p !== undefined && sampling.top_p !== null) out.topP = sampling.top_p;
  if (sampling.max_tokens !== undefined && sampling.max_tokens !== null) out.maxTokens = sampling.max_tokens;
  if (sampling.stop?.length) out.stop = sampling.stop;
  if (sampling.seed !== undefined && sampling.seed !== null) out.seed = Number(sampling.seed);
  return out;
}

export function encodeSampleRequest(request: SampleRequest): WireSampleRequest {
  return { prompt_ids: int32ToBytes(request.promptIds), n: request.n ?? 1, sampling: encodeSampling(request.sampling) };
}

export function decodeSampleRequest(request: WireSampleRequest): SampleRequest {
  return {
    promptIds: bytesToInt32(request.prompt_ids),
    n: request.n && request.n > 0 ? request.n : 1,
    sampling: decodeSampling(request.sampling),
  };
}

export function encodeSampleResponse(response: SampleResponse): WireSampleResponse {
  return {
    completions: response.completions.map((completion) => ({
      token_ids: int32ToBytes(completion.tokenIds),
      logprobs: float32ToBytes(completion.logprobs),
      text: completion.text,
      finish_reason: completion.finishReason,
    })),
    policy_version: response.policyVersion,
  };
}

const FINISH_REASONS: readonly FinishReason[] = ['stop', 'length', 'abort'];

export function decodeSampleResponse(response: WireSampleResponse): SampleResponse {
  return {
    completions: (response.completions ?? []).map(
      (completion): Completion => ({
        tokenIds: bytesToInt32(completion.token_ids),
        logprobs: bytesToFloat32(completion.logprobs),
        text: completion.text ?? '',
        finishReason: FINISH_REASONS.includes(completion.finish_reason as FinishReason)
          ? (completion.finish_reason as FinishReason)
          : 'abort',
      }),
    ),
    policyVersion: Number(response.policy_version ?? 0),
  };
}

function encodeLoss(loss: LossSpec): WireLossSpec {
  const kl = loss.type === 'cross_entropy' ? undefined : loss.kl;
  return {
    type: loss.type,
    aggregation: loss.aggregation,
    ...(loss.type === 'ppo' ? { clip_low: loss.clipLow, clip_high: loss.clipHigh } : {}),
    ...(loss.type === 'ppo' && loss.dualClip !== undefined ? { dual_clip: loss.dualClip } : {}),
    ...(kl ? { kl: { beta: kl.beta, estimator: kl.estimator } } : {}),
  };
}

function decodeLoss(loss: WireLossSpec | undefined): LossSpec {
  const aggregation = loss?.aggregation === 'seq-mean' ? 'seq-mean' : 'token-mean';
  const kl = loss?.kl && loss.kl.beta > 0 ? { beta: loss.kl.beta, estimator: 'k3' as const } : undefined;
  switch (loss?.type) {
    case 'cross_entropy':
      return { type: 'cross_entropy', aggregation };
    case 'importance_sampling':
      return { type: 'importance_sampling', aggregation, kl };
    default:
      return {
        type: 'ppo',
        clipLow: loss?.clip_low ?? 0.2,
        clipHigh: loss?.clip_high ?? 0.2,
        ...(loss?.dual_clip === undefined || loss.dual_clip === null ? {} : { dualClip: loss.dual_clip }),
        kl,
        aggregation,
      };
  }
}

function encodeSample(sample: TrainingSample): WireTrainingSample {
  return {
    token_ids: int32ToBytes(sample.tokenIds),
    loss_mask: maskToBytes(sample.lossMask),
    sampler_logprobs: float32ToBytes(sample.samplerLogprobs),
    advantage: sample.advantage,
  };
}

function decodeSample(sample: WireTrainingSample): TrainingSample {
  return {
    tokenIds: bytesToInt32(sample.token_ids),
    lossMask: bytesToMask(sample.loss_mask),
    samplerLogprobs: bytesToFloat32(sample.sampler_logprobs),
    advantage: sample.advantage ?? 0,
  };
}

export function encodeForwardBackward(request: ForwardBackwardRequest): WireForwardBackwardRequest {
  return {
    samples: request.samples.map(encodeSample),
    loss: encodeLoss(request.loss),
    ...(request.lossScale === undefined ? {} : { loss_scale: request.lossScale }),
    ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
  };
}

export function decodeForwardBackward(request: WireForwardBackwardRequest): ForwardBackwardRequest {
  return {
    samples: (request.samples ?? []).map(decodeSample),
    loss: decodeLoss(request.loss),
    ...(request.loss_scale === undefined || request.loss_scale === null ? {} : { lossScale: request.loss_scale }),
    ...(request.temperature === undefined || request.temperature === null ? {} : { temperature: request.temperature }),
  };
}

export function encodeForwardBackwardResponse(response: ForwardBackwardResponse): WireForwardBackwardResponse {
  return { loss: response.loss, metrics: { ...response.metrics } };
}

export function decodeForwardBackwardResponse(response: WireForwardBackwardResponse): ForwardBackwardResponse {
  return { loss: response.loss ?? 0, metrics: { ...(response.metrics ?? {}) } };
}

export function encodeOptimStep(request: OptimStepRequest): WireOptimStepRequest {
  return {
    learning_rate: request.learningRate,
    beta1: request.beta1,
    beta2: request.beta2,
    eps: request.eps,
    weight_decay: request.weightDecay,
    max_grad_norm: request.maxGradNorm,
  };
}

export function decodeOptimStep(request: WireOptimStepRequest): OptimStepRequest {
  return {
    learningRate: request.learning_rate ?? 0,
    beta1: request.beta1 ?? 0.9,
    beta2: request.beta2 ?? 0.999,
    eps: request.eps ?? 1e-8,
    weightDecay: request.weight_decay ?? 0,
    maxGradNorm: request.max_grad_norm ?? 0,
  };
}

export function decodeOptimStepResponse(response: WireOptimStepResponse): OptimStepResponse {
  return { policyVersion: Number(response.policy_version ?? 0), gradNorm: response.grad_norm ?? 0 };
}
