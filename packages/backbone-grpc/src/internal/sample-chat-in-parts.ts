import type { Backbone, SampleChatRequest, SampleChatResponse } from '@ajet/spec';

/** SampleChat for a backbone without `sampleChat`: renderChat, then sample with maxTokens clamped to the room left. */
export async function sampleChatInParts(options: {
  backbone: Backbone;
  request: SampleChatRequest;
  maxModelLen: number;
}): Promise<SampleChatResponse> {
  const { backbone, request, maxModelLen } = options;
  const { prefix, sampling } = request;
  const rendered = await backbone.renderChat({ messages: request.messages, tools: request.tools, prefix });
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
