import { sampleChatInParts } from '@ajet/backbone-kit';
import type {
  Backbone,
  BackboneInfo,
  ChatMessage,
  ChatResponse,
  SampleChatRequest,
  SampleChatResponse,
} from '@ajet/spec';
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
    const turn = await this.renderAndSample({
      messages: request.messages,
      tools: request.tools,
      prefix: prefix ? { tokenIds: prefix.tokenIds, messageCount: prefix.messageCount } : undefined,
      n: 1,
      sampling,
      signal,
    });
    signal.throwIfAborted();
    const promptLength = (prefix?.tokenIds.length ?? 0) + turn.renderedIds.length;
    const [completion] = turn.completions;
    if (!completion) {
      const { capabilities } = await this.info();
      const room = capabilities.maxModelLen - promptLength;
      if (Math.min(sampling.maxTokens ?? room, room) > 0) throw new Error('the backbone returned no completion');
      return {
        message: { role: 'assistant', content: '' },
        finishReason: 'length',
        usage: { promptTokens: promptLength, completionTokens: 0 },
      };
    }
    const parsed = request.toolCallParser?.parse(completion.text);
    const message: ChatMessage = { role: 'assistant', content: parsed ? parsed.content : completion.text };
    if (parsed && parsed.toolCalls.length > 0) message.toolCalls = parsed.toolCalls;
    if (parsed && parsed.malformed.length > 0) message.malformedToolCalls = parsed.malformed;
    tracker.record({
      extended: prefix?.index,
      renderedIds: turn.renderedIds,
      completion,
      policyVersion: turn.policyVersion,
      requestMessages: request.messages,
      response: message,
    });
    return {
      message,
      finishReason: completion.finishReason,
      usage: { promptTokens: promptLength, completionTokens: completion.tokenIds.length },
    };
  }

  /** One round trip when the backbone offers sampleChat, else the contract's fallback (renderChat, then sample). */
  private async renderAndSample(options: SampleChatRequest & { signal: AbortSignal }): Promise<SampleChatResponse> {
    const { signal, ...request } = options;
    if (this.backbone.sampleChat) return this.backbone.sampleChat(request);
    const { maxModelLen } = (await this.info()).capabilities;
    return sampleChatInParts({ backbone: this.backbone, request, maxModelLen, signal });
  }
}
