import { backboneDefaults } from '@ajet/backbone-kit';
import {
  bytesToFloat32,
  bytesToInt32,
  bytesToUint8,
  float32ToBytes,
  int32ToBytes,
  uint8ToBytes,
  type WireChatMessage,
  type WireChatMessageDecoded,
  type WireFinishReasonDecoded,
  type WireForwardBackwardRequest,
  type WireForwardBackwardRequestDecoded,
  type WireLossAggregationDecoded,
  type WireLossSpec,
  type WireLossSpecDecoded,
  type WireRenderChatRequest,
  type WireRenderChatRequestDecoded,
  type WireSampleChatRequest,
  type WireSampleChatRequestDecoded,
  type WireSampleChatResponse,
  type WireSampleChatResponseDecoded,
  type WireSampleChunk,
  type WireSampleChunkDecoded,
  type WireSampleRequest,
  type WireSampleRequestDecoded,
  type WireSamplingParams,
  type WireSamplingParamsDecoded,
} from '@ajet/proto';
import type {
  ChatMessage,
  ChatRole,
  Completion,
  FinishReason,
  ForwardBackwardRequest,
  KlPenalty,
  LossAggregation,
  LossSpec,
  RenderChatRequest,
  SampleChatRequest,
  SampleChatResponse,
  SampleRequest,
  SamplingParams,
} from '@ajet/spec';

export function chatMessageToWire(message: ChatMessage): WireChatMessage {
  return {
    role: message.role,
    content: message.content,
    toolCalls: message.toolCalls ?? [],
    malformedToolCalls: message.malformedToolCalls ?? [],
    toolCallId: message.toolCallId,
    name: message.name,
  };
}

export function chatMessageFromWire(wire: WireChatMessageDecoded): ChatMessage {
  const message: ChatMessage = { role: wire.role as ChatRole, content: wire.content };
  if (wire.toolCalls.length > 0)
    message.toolCalls = wire.toolCalls.map(({ id, name, arguments: args }) => ({ id, name, arguments: args }));
  if (wire.malformedToolCalls.length > 0)
    message.malformedToolCalls = wire.malformedToolCalls.map(({ raw, error }) => ({ raw, error }));
  if (wire.toolCallId !== undefined) message.toolCallId = wire.toolCallId;
  if (wire.name !== undefined) message.name = wire.name;
  return message;
}

export function renderChatToWire(request: RenderChatRequest): WireRenderChatRequest {
  return {
    messages: request.messages.map(chatMessageToWire),
    tools: (request.tools ?? []).map((tool) => ({
      name: tool.name,
      description: tool.description,
      parametersJson: JSON.stringify(tool.parameters),
    })),
    addGenerationPrompt: request.addGenerationPrompt,
    prefix: request.prefix
      ? { tokenIds: int32ToBytes(request.prefix.tokenIds), messageCount: request.prefix.messageCount }
      : undefined,
  };
}

export function renderChatFromWire(
  wire: WireRenderChatRequestDecoded,
  parseParameters: (json: string, tool: string) => Record<string, unknown>,
): RenderChatRequest {
  const request: RenderChatRequest = { messages: wire.messages.map(chatMessageFromWire) };
  if (wire.tools.length > 0)
    request.tools = wire.tools.map((tool) => ({
      name: tool.name,
      description: tool.description,
      parameters: parseParameters(tool.parametersJson, tool.name),
    }));
  if (wire.addGenerationPrompt !== undefined) request.addGenerationPrompt = wire.addGenerationPrompt;
  if (wire.prefix)
    request.prefix = { tokenIds: bytesToInt32(wire.prefix.tokenIds), messageCount: wire.prefix.messageCount };
  return request;
}

function samplingToWire(sampling: SamplingParams): WireSamplingParams {
  const { temperature, topP, maxTokens, stop, seed } = sampling;
  return { temperature, topP, maxTokens, stop: stop ?? [], seed };
}

function samplingFromWire(wire: WireSamplingParamsDecoded | null): SamplingParams {
  const sampling: SamplingParams = {};
  const { temperature, topP, maxTokens, stop, seed } = wire ?? { stop: [] };
  if (temperature !== undefined) sampling.temperature = temperature;
  if (topP !== undefined) sampling.topP = topP;
  if (maxTokens !== undefined) sampling.maxTokens = maxTokens;
  if (stop.length > 0) sampling.stop = stop;
  if (seed !== undefined) sampling.seed = seed;
  return sampling;
}

export function sampleToWire(request: SampleRequest): WireSampleRequest {
  return {
    promptIds: int32ToBytes(request.promptIds),
    n: request.n ?? backboneDefaults.completions,
    sampling: samplingToWire(request.sampling),
  };
}

export function sampleFromWire(wire: WireSampleRequestDecoded): SampleRequest {
  return {
    promptIds: bytesToInt32(wire.promptIds),
    n: wire.n || backboneDefaults.completions,
    sampling: samplingFromWire(wire.sampling),
  };
}

export function sampleChatToWire(request: SampleChatRequest): WireSampleChatRequest {
  const { messages, tools, prefix } = renderChatToWire(request);
  return {
    messages,
    tools,
    prefix,
    n: request.n ?? backboneDefaults.completions,
    sampling: samplingToWire(request.sampling),
  };
}

export function sampleChatFromWire(
  wire: WireSampleChatRequestDecoded,
  parseParameters: (json: string, tool: string) => Record<string, unknown>,
): SampleChatRequest {
  const { messages, tools, prefix } = renderChatFromWire(wire, parseParameters);
  const request: SampleChatRequest = {
    messages,
    n: wire.n || backboneDefaults.completions,
    sampling: samplingFromWire(wire.sampling),
  };
  if (tools) request.tools = tools;
  if (prefix) request.prefix = prefix;
  return request;
}

export function sampleChatResponseToWire(response: SampleChatResponse): WireSampleChatResponse {
  const { policyVersion } = response;
  return {
    renderedIds: int32ToBytes(response.renderedIds),
    completions: response.completions.map((completion, index) =>
      completionToWire({ completion, index, policyVersion }),
    ),
    policyVersion,
  };
}

export function sampleChatResponseFromWire(wire: WireSampleChatResponseDecoded): SampleChatResponse {
  return {
    renderedIds: bytesToInt32(wire.renderedIds),
    completions: wire.completions.map(completionFromWire),
    policyVersion: wire.policyVersion,
  };
}

const finishReasonToWire: Record<FinishReason, WireFinishReasonDecoded> = {
  stop: 'FINISH_REASON_STOP',
  length: 'FINISH_REASON_LENGTH',
  abort: 'FINISH_REASON_ABORT',
};

export function completionToWire(options: {
  completion: Completion;
  index: number;
  policyVersion: number;
}): WireSampleChunk {
  const { completion, index, policyVersion } = options;
  return {
    index,
    tokenIds: int32ToBytes(completion.tokenIds),
    logprobs: float32ToBytes(completion.logprobs),
    text: completion.text,
    finishReason: finishReasonToWire[completion.finishReason],
    policyVersion,
  };
}

export function completionFromWire(chunk: WireSampleChunkDecoded): Completion {
  const finishReason: FinishReason =
    chunk.finishReason === 'FINISH_REASON_LENGTH'
      ? 'length'
      : chunk.finishReason === 'FINISH_REASON_ABORT'
        ? 'abort'
        : 'stop';
  return {
    tokenIds: bytesToInt32(chunk.tokenIds),
    logprobs: bytesToFloat32(chunk.logprobs),
    text: chunk.text,
    finishReason,
  };
}

function aggregationToWire(aggregation: LossAggregation): WireLossAggregationDecoded {
  return aggregation === 'seq-mean' ? 'LOSS_AGGREGATION_SEQ_MEAN' : 'LOSS_AGGREGATION_TOKEN_MEAN';
}

function aggregationFromWire(aggregation: WireLossAggregationDecoded): LossAggregation {
  return aggregation === 'LOSS_AGGREGATION_SEQ_MEAN' ? 'seq-mean' : 'token-mean';
}

function klFromWire(kl: { beta: number } | undefined | null): KlPenalty | undefined {
  return kl ? { beta: kl.beta, estimator: 'k3' } : undefined;
}

export function lossToWire(loss: LossSpec): WireLossSpec {
  const aggregation = aggregationToWire(loss.aggregation);
  if (loss.type === 'cross_entropy') return { crossEntropy: { aggregation } };
  const kl = loss.kl ? { beta: loss.kl.beta } : undefined;
  if (loss.type === 'importance_sampling') return { importanceSampling: { kl, aggregation } };
  return {
    ppo: { clipLow: loss.clipLow, clipHigh: loss.clipHigh, dualClip: loss.dualClip, kl, aggregation },
  };
}

/** Undefined when no member of the oneof is set. */
export function lossFromWire(wire: WireLossSpecDecoded): LossSpec | undefined {
  if (wire.crossEntropy)
    return { type: 'cross_entropy', aggregation: aggregationFromWire(wire.crossEntropy.aggregation) };
  if (wire.importanceSampling) {
    const loss: LossSpec = {
      type: 'importance_sampling',
      aggregation: aggregationFromWire(wire.importanceSampling.aggregation),
    };
    const kl = klFromWire(wire.importanceSampling.kl);
    if (kl) loss.kl = kl;
    return loss;
  }
  if (wire.ppo) {
    const loss: LossSpec = {
      type: 'ppo',
      clipLow: wire.ppo.clipLow,
      clipHigh: wire.ppo.clipHigh,
      aggregation: aggregationFromWire(wire.ppo.aggregation),
    };
    if (wire.ppo.dualClip !== undefined) loss.dualClip = wire.ppo.dualClip;
    const kl = klFromWire(wire.ppo.kl);
    if (kl) loss.kl = kl;
    return loss;
  }
  return undefined;
}

export function forwardBackwardToWire(request: ForwardBackwardRequest): WireForwardBackwardRequest {
  return {
    samples: request.samples.map((sample) => ({
      tokenIds: int32ToBytes(sample.tokenIds),
      lossMask: uint8ToBytes(sample.lossMask),
      samplerLogprobs: float32ToBytes(sample.samplerLogprobs),
      advantage: sample.advantage,
    })),
    loss: lossToWire(request.loss),
    lossScale: request.lossScale,
    temperature: request.temperature,
  };
}

export function forwardBackwardSamplesFromWire(
  wire: WireForwardBackwardRequestDecoded,
): ForwardBackwardRequest['samples'] {
  return wire.samples.map((sample) => ({
    tokenIds: bytesToInt32(sample.tokenIds),
    lossMask: bytesToUint8(sample.lossMask),
    samplerLogprobs: bytesToFloat32(sample.samplerLogprobs),
    advantage: sample.advantage,
  }));
}
