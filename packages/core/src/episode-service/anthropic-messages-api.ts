import { randomUUID } from 'node:crypto';
import type { ChatMessage } from '@ajet/spec';
import { z } from 'zod';
import { invalidRequestMessage } from '../runtime/chat-completions-handler.ts';
import type { ModelApiReply } from './model-api-reply.ts';
import { type ModelApiRequest, toolChatRequest } from './model-api-request.ts';

const block = z.object({ type: z.string() }).loose();

/** Lenient with wire data: the Anthropic Messages request fields ajet uses; the rest is ignored. */
const requestSchema = z
  .object({
    model: z.string().optional(),
    max_tokens: z.number().int().positive(),
    system: z.union([z.string(), z.array(block)]).optional(),
    messages: z
      .array(z.object({ role: z.enum(['user', 'assistant']), content: z.union([z.string(), z.array(block)]) }).loose())
      .min(1),
    tools: z
      .array(
        z
          .object({
            name: z.string(),
            description: z.string().optional(),
            input_schema: z.record(z.string(), z.unknown()).optional(),
          })
          .loose(),
      )
      .optional(),
    temperature: z.number().optional(),
    top_p: z.number().optional(),
    stop_sequences: z.array(z.string()).optional(),
    stream: z.boolean().optional(),
  })
  .loose();

type Block = z.output<typeof block>;

function blockText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part: { type?: string; text?: string }) => (part.type === 'text' ? (part.text ?? '') : ''))
    .join('');
}

/** Anthropic turns as chat messages: tool_use blocks are the assistant's tool calls, tool_result blocks tool messages. */
function toMessages(request: z.output<typeof requestSchema>): ChatMessage[] {
  const messages: ChatMessage[] = [];
  const system = request.system === undefined ? '' : blockText(request.system);
  if (system !== '') messages.push({ role: 'system', content: system });
  for (const message of request.messages) {
    const blocks: Block[] =
      typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : message.content;
    if (message.role === 'assistant') {
      const toolCalls = blocks
        .filter((part) => part.type === 'tool_use')
        .map((part) => ({ id: String(part.id), name: String(part.name), arguments: JSON.stringify(part.input ?? {}) }));
      messages.push({ role: 'assistant', content: blockText(blocks), ...(toolCalls.length > 0 ? { toolCalls } : {}) });
      continue;
    }
    for (const part of blocks) {
      if (part.type === 'tool_result') {
        messages.push({ role: 'tool', content: blockText(part.content), toolCallId: String(part.tool_use_id) });
      }
    }
    const userText = blockText(blocks);
    if (userText !== '' || blocks.every((part) => part.type !== 'tool_result')) {
      messages.push({ role: 'user', content: userText });
    }
  }
  return messages;
}

function error(status: number, message: string): ModelApiReply {
  return { status, body: { type: 'error', error: { type: 'invalid_request_error', message } } };
}

function parseInput(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text || '{}');
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

/**
 * One Anthropic Messages request (`POST /v1/messages`) answered by an episode's tuner: tools and tool_use/tool_result
 * blocks map to the runtime's tool calls, and `stream: true` replays the completion as Anthropic's named events.
 */
export async function handleAnthropicMessages(options: ModelApiRequest): Promise<ModelApiReply> {
  const parsed = requestSchema.safeParse(options.body);
  if (!parsed.success) return error(400, invalidRequestMessage(parsed.error));
  const request = parsed.data;
  const chatRequest = toolChatRequest({
    messages: toMessages(request),
    tools: (request.tools ?? []).map((tool) => ({ ...tool, parameters: tool.input_schema })),
    sampling: {
      maxTokens: request.max_tokens,
      ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
      ...(request.top_p !== undefined ? { topP: request.top_p } : {}),
      ...(request.stop_sequences && request.stop_sequences.length > 0 ? { stop: request.stop_sequences } : {}),
    },
    toolCallParser: options.toolCallParser,
  });
  const response = await options.tuner.chat(chatRequest);
  const calls = response.message.toolCalls ?? [];
  const content = [
    ...(response.message.content !== '' ? [{ type: 'text', text: response.message.content }] : []),
    ...calls.map((call) => ({ type: 'tool_use', id: call.id, name: call.name, input: parseInput(call.arguments) })),
  ];
  const stopReason = calls.length > 0 ? 'tool_use' : response.finishReason === 'length' ? 'max_tokens' : 'end_turn';
  const usage = { input_tokens: response.usage.promptTokens, output_tokens: response.usage.completionTokens };
  const body = {
    id: `msg_${randomUUID().replaceAll('-', '')}`,
    type: 'message',
    role: 'assistant',
    model: request.model ?? options.model,
    content,
    stop_reason: stopReason,
    stop_sequence: null,
    usage,
  };
  if (!request.stream) return { status: 200, body };
  const events: { event: string; data: unknown }[] = [];
  const emit = (type: string, fields: Record<string, unknown>) =>
    events.push({ event: type, data: { type, ...fields } });
  emit('message_start', {
    message: { ...body, content: [], stop_reason: null, usage: { input_tokens: usage.input_tokens, output_tokens: 0 } },
  });
  content.forEach((part, index) => {
    if (part.type === 'text') {
      emit('content_block_start', { index, content_block: { type: 'text', text: '' } });
      emit('content_block_delta', { index, delta: { type: 'text_delta', text: (part as { text: string }).text } });
    } else {
      const toolUse = part as { id: string; name: string; input: Record<string, unknown> };
      emit('content_block_start', {
        index,
        content_block: { type: 'tool_use', id: toolUse.id, name: toolUse.name, input: {} },
      });
      emit('content_block_delta', {
        index,
        delta: { type: 'input_json_delta', partial_json: JSON.stringify(toolUse.input) },
      });
    }
    emit('content_block_stop', { index });
  });
  emit('message_delta', {
    delta: { stop_reason: stopReason, stop_sequence: null },
    usage: { output_tokens: usage.output_tokens },
  });
  emit('message_stop', {});
  return { status: 200, events };
}
