import type { Backbone, SampleChatRequest, SampleChatResponse } from '@ajet/spec';

/**
 * What `sampleChat` gives, for a backbone without it: renderChat, then sample on prefix + rendered tokens with
 * maxTokens clamped to the room left in `maxModelLen` (no completion when there is none).
 */
export async function sampleChatInParts(options: {
  backbone: Backbone;
  request: SampleChatRequest;
  maxModelLen: number;
  /** Checked between the two calls. */
  signal?: AbortSignal;
}): Promise<SampleChatResponse> {
  const { backbone, request, maxModelLen, signal } = options;
  const { prefix, sampling } = request;
  const rendered = await backbone.renderChat({ messages: request.messages, tools: request.tools, prefix });
  signal?.throwIfAborted();
  const room = maxModelLen - (prefix?.tokenIds.length ?? 0) - rendered.tokenIds.length;
  const maxTokens = Math.min(sampling.maxTokens ?? room, room);
  if (maxTokens <= 0) {
    const { policyVersion } = await backbone.getInfo();
    return { renderedIds: rendered.tokenIds, completions: [], policyVersion };
  }
  const promptIds = prefix ? [...prefix.tokenIds, ...rendered.tokenIds] : rendered.tokenIds;
  const sampled = await backbone.sample({ promptIds, n: request.n, sampling: { ...sampling, maxTokens } });
  return { renderedIds: rendered.tokenIds, completions: sampled.completions, policyVersion: sampled.policyVersion };
}
