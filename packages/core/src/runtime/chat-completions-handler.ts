import { randomUUID } from 'node:crypto';
import type { ChatMessage, ChatRequest } from '@ajet/spec';
import { z } from 'zod';
import type { ModelApiRequest } from '../episode-service/model-api-request.ts';

const contentSchema = z
  .union([z.string(), z.array(z.object({ type: z.string(), text: z.string().optional() }).loose()), z.null()])
  .optional();

const messageSchema = z
  .object({
    role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
    content: contentSchema,
    name: z.string().optional(),
    tool_call_id: z.string().optional(),
    tool_calls: z
      .array(
        z.object({ id: z.string(), function: z.object({ name: z.string(), arguments: z.string() }).loose() }).loose(),
      )
      .optional(),
  })
  .loose();

/** Lenient with wire data: unknown fields are ignored. */
const requestSchema = z
  .object({
    model: z.string().optional(),
    messages: z.array(messageSchema).min(1),
    tools: z
      .array(
        z
          .object({
            type: z.literal('function'),
            function: z
              .object({
                name: z.string(),
                description: z.string().optional(),
                parameters: z.record(z.string(), z.unknown()).optional(),
              })
              .loose(),
          })
          .loose(),
      )
      .optional(),
    temperature: z.number().nullable().optional(),
    top_p: z.number().nullable().optional(),
    max_tokens: z.number().int().positive().nullable().optional(),
    max_completion_tokens: z.number().int().positive().nullable().optional(),
    stop: z
      .union([z.string(), z.array(z.string())])
      .nullable()
      .optional(),
    seed: z.number().int().nullable().optional(),
    n: z.number().int().nullable().optional(),
    stream: z.boolean().nullable().optional(),
  })
  .loose();

export interface ChatCompletionsReply {
  status: number;
  body: Record<string, unknown>;
}

/** What a model API answers with status 400 for a body its schema refuses: the first problem and where it is. */
export function invalidRequestMessage(error: z.ZodError): string {
  const [issue] = error.issues;
  return `invalid request at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`;
}

function errorReply(status: number, message: string): ChatCompletionsReply {
  return { status, body: { error: { message, type: 'invalid_request_error' } } };
}

function textOf(content: z.output<typeof contentSchema>): string {
  if (typeof content === 'string') return content;
  if (!content) return '';
  return content.map((part) => part.text ?? '').join('');
}

/**
 * One OpenAI `/v1/chat/completions` request answered by an episode's tuner: the conversation goes through
 * `tuner.chat`, so it is rendered, sampled and recorded exactly as a workflow's own calls.
 */
export async function handleChatCompletion(options: ModelApiRequest): Promise<ChatCompletionsReply> {
  const parsed = requestSchema.safeParse(options.body);
  if (!parsed.success) return errorReply(400, invalidRequestMessage(parsed.error));
  const request = parsed.data;
  if (request.stream) return errorReply(400, 'stream: true is not supported by the ajet episode endpoint');
  if ((request.n ?? 1) !== 1) return errorReply(400, 'n must be 1: each episode samples one completion per call');
  const messages: ChatMessage[] = request.messages.map((message) => {
    const out: ChatMessage = {
      role: message.role === 'developer' ? 'system' : message.role,
      content: textOf(message.content),
    };
    if (message.tool_calls && message.tool_calls.length > 0) {
      out.toolCalls = message.tool_calls.map((call) => ({
        id: call.id,
        name: call.function.name,
        arguments: call.function.arguments,
      }));
    }
    if (message.tool_call_id) out.toolCallId = message.tool_call_id;
    if (message.name) out.name = message.name;
    return out;
  });
  const stop = request.stop === null || request.stop === undefined ? undefined : [request.stop].flat();
  const chatRequest: ChatRequest = {
    messages,
    tools: request.tools?.map((tool) => ({
      name: tool.function.name,
      description: tool.function.description ?? '',
      parameters: tool.function.parameters ?? { type: 'object', properties: {} },
    })),
    sampling: {
      ...(typeof request.temperature === 'number' ? { temperature: request.temperature } : {}),
      ...(typeof request.top_p === 'number' ? { topP: request.top_p } : {}),
      ...((request.max_completion_tokens ?? request.max_tokens)
        ? { maxTokens: request.max_completion_tokens ?? request.max_tokens ?? undefined }
        : {}),
      ...(stop ? { stop } : {}),
      ...(typeof request.seed === 'number' ? { seed: request.seed } : {}),
    },
    toolCallParser: request.tools && request.tools.length > 0 ? options.toolCallParser : undefined,
  };
  const response = await options.tuner.chat(chatRequest);
  const toolCalls = response.message.toolCalls ?? [];
  return {
    status: 200,
    body: {
      id: `chatcmpl-${randomUUID()}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: request.model ?? options.model,
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: response.message.content,
            ...(toolCalls.length > 0
              ? {
                  tool_calls: toolCalls.map((call) => ({
                    id: call.id,
                    type: 'function',
                    function: { name: call.name, arguments: call.arguments },
                  })),
                }
              : {}),
          },
          finish_reason: toolCalls.length > 0 ? 'tool_calls' : response.finishReason === 'length' ? 'length' : 'stop',
          logprobs: null,
        },
      ],
      usage: {
        prompt_tokens: response.usage.promptTokens,
        completion_tokens: response.usage.completionTokens,
        total_tokens: response.usage.promptTokens + response.usage.completionTokens,
      },
    },
  };
}
