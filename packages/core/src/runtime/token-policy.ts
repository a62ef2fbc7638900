import type { Backbone, BackboneInfo, ChatMessage, ChatResponse } from '@ajet/spec';
import type { ChatPolicy, PolicyChatOptions } from './chat-policy.ts';

/** The policy over a token-level Backbone: renders incrementally, samples, and records exact token ids. */
export class TokenPolicy implements ChatPolicy {
  readonly description: string;
  private readonly backbone: Backbone;
  private cachedInfo: Promise<BackboneInfo> | undefined;

  constructor(options: { backbone: Backbone; description: string }) {
    this.backbone = options.backbone;
    this.description = options.description;
  }

  info(): Promise<BackboneInfo> {
    this.cachedInfo ??= this.backbone.getInfo();
    return this.cachedInfo;
  }

  async chat(options: PolicyChatOptions): Promise<ChatResponse> {
    const { tracker, request, sampling, signal } = options;
    const prefix = tracker.findPrefix(request.messages);
    const rendered = await this.backbone.renderChat({
      messages: request.messages,
      tools: request.tools,
      prefix: prefix ? { tokenIds: prefix.tokenIds, messageCount: prefix.messageCount } : undefined,
    });
    signal.throwIfAborted();
    const promptLength = (prefix?.tokenIds.length ?? 0) + rendered.tokenIds.length;
    const { capabilities } = await this.info();
    const room = capabilities.maxModelLen - promptLength;
    const maxTokens = Math.min(sampling.maxTokens ?? room, room);
    if (maxTokens <= 0) {
      return {
        message: { role: 'assistant', content: '' },
        finishReason: 'length',
        usage: { promptTokens: promptLength, completionTokens: 0 },
      };
    }
    const promptIds = prefix ? [...prefix.tokenIds, ...rendered.tokenIds] : rendered.tokenIds;
    const sampled = await this.backbone.sample({ promptIds, n: 1, sampling: { ...sampling, maxTokens } });
    signal.throwIfAborted();
    const [completion] = sampled.completions;
    if (!completion) throw new Error('the backbone returned no completion');
    const parsed = request.toolCallParser?.parse(completion.text);
    const message: ChatMessage = { role: 'assistant', content: parsed ? parsed.content : completion.text };
    if (parsed && parsed.toolCalls.length > 0) message.toolCalls = parsed.toolCalls;
    if (parsed && parsed.malformed.length > 0) message.malformedToolCalls = parsed.malformed;
    tracker.record({
      extended: prefix?.index,
      renderedIds: rendered.tokenIds,
      completion,
      policyVersion: sampled.policyVersion,
      requestMessages: request.messages,
      response: message,
    });
    return {
      message,
      finishReason: completion.finishReason,
      usage: { promptTokens: promptIds.length, completionTokens: completion.tokenIds.length },
    };
  }
}
