import { BackboneError, type BackboneInfo, type ChatMessage, type ChatResponse, type FinishReason } from '@ajet/spec';
import OpenAI from 'openai';
import type { ChatPolicy, PolicyChatOptions } from './chat-policy.ts';
import { type EndpointToolCall, parseEndpointToolCalls } from './endpoint-tool-calls.ts';

export interface EndpointPolicyOptions {
  baseURL: string;
  model: string;
  apiKey: string;
  timeoutMs: number;
}

type OpenAIMessage = OpenAI.Chat.Completions.ChatCompletionMessageParam;

function toOpenAIMessage(message: ChatMessage): OpenAIMessage {
  switch (message.role) {
    case 'system':
      return { role: 'system', content: message.content };
    case 'user':
      return { role: 'user', content: message.content };
    case 'tool':
      // A reply to a malformed call answers no call id the endpoint knows of; OpenAI rejects such a tool message.
      return message.toolCallId
        ? { role: 'tool', content: message.content, tool_call_id: message.toolCallId }
        : { role: 'user', content: message.content };
    case 'assistant':
      return message.toolCalls && message.toolCalls.length > 0
        ? {
            role: 'assistant',
            content: message.content,
            tool_calls: message.toolCalls.map((call) => ({
              id: call.id,
              type: 'function' as const,
              function: { name: call.name, arguments: call.arguments },
            })),
          }
        : { role: 'assistant', content: message.content };
    default: {
      const exhaustive: never = message.role;
      return exhaustive;
    }
  }
}

function toFinishReason(reason: string | null | undefined): FinishReason {
  if (reason === 'length') return 'length';
  if (reason === 'stop' || reason === 'tool_calls' || reason === 'function_call') return 'stop';
  return 'abort';
}

/** vLLM extras: token ids come back when asked for (`return_token_ids`, or `token_id:N` logprob tokens). */
interface VllmExtras {
  prompt_token_ids?: number[] | null;
  choices: { token_ids?: number[] | null }[];
}

function tokenIdsFromLogprobs(content: { token: string }[] | undefined): number[] | undefined {
  if (!content || content.length === 0) return undefined;
  const ids: number[] = [];
  for (const entry of content) {
    const match = /^token_id:(\d+)$/.exec(entry.token);
    if (!match) return undefined;
    ids.push(Number(match[1]));
  }
  return ids;
}

/**
 * Any OpenAI-compatible chat endpoint as the policy: rollouts and judging only. Token ids and logprobs are
 * recorded when the server returns them (vLLM does with `logprobs` and `return_tokens_as_token_ids`).
 */
export class EndpointPolicy implements ChatPolicy {
  readonly description: string;
  private readonly client: OpenAI;
  private readonly model: string;
  private readonly baseURL: string;

  constructor(options: EndpointPolicyOptions) {
    this.baseURL = options.baseURL;
    this.model = options.model;
    this.description = `endpoint ${options.baseURL} (model ${options.model})`;
    this.client = new OpenAI({
      baseURL: options.baseURL,
      apiKey: options.apiKey,
      timeout: options.timeoutMs,
      maxRetries: 2,
    });
  }

  /** Fails fast, before any rollout, when the endpoint cannot be reached. */
  async checkReachable(): Promise<void> {
    try {
      await this.client.models.list({ timeout: 10_000, maxRetries: 0 });
    } catch (error) {
      if (error instanceof OpenAI.APIError && error.status !== undefined) return;
      throw new BackboneError(`Cannot reach the OpenAI-compatible endpoint: ${(error as Error).message}`, {
        code: 'ENDPOINT_UNREACHABLE',
        address: this.baseURL,
        retryable: true,
        hint: 'Start the server (e.g. `vllm serve <model>`) or fix ajet.model.endpoint.base_url.',
        cause: error,
      });
    }
  }

  async info(): Promise<BackboneInfo> {
    return {
      model: this.model,
      tokenizer: 'endpoint',
      policyVersion: 0,
      capabilities: { trainable: false, lora: false, maxModelLen: Number.MAX_SAFE_INTEGER },
    };
  }

  async chat(options: PolicyChatOptions): Promise<ChatResponse> {
    const { tracker, request, sampling, signal } = options;
    const body = {
      model: this.model,
      messages: request.messages.map(toOpenAIMessage),
      temperature: sampling.temperature,
      top_p: sampling.topP,
      max_tokens: sampling.maxTokens,
      stop: sampling.stop && sampling.stop.length > 0 ? sampling.stop : undefined,
      seed: sampling.seed,
      logprobs: true,
      ...(request.tools && request.tools.length > 0
        ? {
            tools: request.tools.map((tool) => ({
              type: 'function' as const,
              function: { name: tool.name, description: tool.description, parameters: tool.parameters },
            })),
          }
        : {}),
      // vLLM extensions; other servers ignore unknown fields.
      return_tokens_as_token_ids: true,
      return_token_ids: true,
    };
    let completion: OpenAI.Chat.Completions.ChatCompletion;
    try {
      completion = await this.client.chat.completions.create(
        body as OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming,
        { signal },
      );
    } catch (error) {
      const status = error instanceof OpenAI.APIError ? error.status : undefined;
      throw new BackboneError(
        `Chat completion failed${status ? ` with HTTP ${status}` : ''}: ${(error as Error).message}`,
        {
          code: 'ENDPOINT_REQUEST_FAILED',
          address: this.baseURL,
          retryable: status === undefined || status === 429 || status >= 500,
          cause: error,
        },
      );
    }
    const choice = completion.choices[0];
    if (!choice) {
      throw new BackboneError('The endpoint returned no choices', {
        code: 'ENDPOINT_BAD_RESPONSE',
        address: this.baseURL,
      });
    }
    const text = choice.message.content ?? '';
    const parsed = request.toolCallParser?.parse(text);
    const message: ChatMessage = { role: 'assistant', content: parsed ? parsed.content : text };
    const endpoint = parseEndpointToolCalls(choice.message.tool_calls as EndpointToolCall[] | undefined);
    const toolCalls = [...endpoint.toolCalls, ...(parsed?.toolCalls ?? [])];
    if (toolCalls.length > 0) message.toolCalls = toolCalls;
    const malformed = [...endpoint.malformed, ...(parsed?.malformed ?? [])];
    if (malformed.length > 0) message.malformedToolCalls = malformed;

    const extras = completion as unknown as VllmExtras;
    const logprobContent = choice.logprobs?.content ?? undefined;
    const completionIds = extras.choices[0]?.token_ids ?? tokenIdsFromLogprobs(logprobContent ?? undefined);
    const promptIds = extras.prompt_token_ids;
    const finishReason = toFinishReason(choice.finish_reason);
    if (completionIds && promptIds) {
      const logprobs = logprobContent?.map((entry) => entry.logprob) ?? [];
      tracker.recordByTokens({
        promptIds,
        completion: {
          tokenIds: completionIds,
          logprobs: logprobs.length === completionIds.length ? logprobs : completionIds.map(() => 0),
          text,
          finishReason,
        },
        policyVersion: 0,
        requestMessages: request.messages,
        response: message,
      });
    } else {
      tracker.recordMessagesOnly(request.messages, message);
    }
    return {
      message,
      finishReason,
      usage: {
        promptTokens: completion.usage?.prompt_tokens ?? 0,
        completionTokens: completion.usage?.completion_tokens ?? 0,
      },
    };
  }
}
