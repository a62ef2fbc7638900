import { randomUUID } from 'node:crypto';
import type { ChatMessage } from '@ajet/spec';
import { z } from 'zod';
import { invalidRequestMessage } from '../runtime/chat-completions-handler.ts';
import type { ModelApiReply } from './model-api-reply.ts';
import { type ModelApiRequest, toolChatRequest } from './model-api-request.ts';

const textPart = z.object({ type: z.string(), text: z.string().optional() }).loose();

/** Lenient with wire data: the OpenAI Responses request fields ajet uses; the rest is ignored. */
const inputItem = z.union([
  z
    .object({
      type: z.literal('message').optional(),
      role: z.enum(['user', 'system', 'developer', 'assistant']),
      content: z.union([z.string(), z.array(textPart)]),
    })
    .loose(),
  z.object({ type: z.literal('function_call'), call_id: z.string(), name: z.string(), arguments: z.string() }).loose(),
  z
    .object({
      type: z.literal('function_call_output'),
      call_id: z.string(),
      output: z.union([z.string(), z.array(textPart)]),
    })
    .loose(),
  z.object({ type: z.string() }).loose(),
]);

const requestSchema = z
  .object({
    model: z.string().optional(),
    input: z.union([z.string(), z.array(inputItem)]),
    instructions: z.string().nullable().optional(),
    tools: z
      .array(
        z
          .object({
            type: z.string(),
            name: z.string().optional(),
            description: z.string().nullable().optional(),
            parameters: z.record(z.string(), z.unknown()).nullable().optional(),
          })
          .loose(),
      )
      .optional(),
    temperature: z.number().nullable().optional(),
    top_p: z.number().nullable().optional(),
    max_output_tokens: z.number().int().positive().nullable().optional(),
    stream: z.boolean().nullable().optional(),
    previous_response_id: z.string().nullable().optional(),
  })
  .loose();

function text(content: string | z.output<typeof textPart>[]): string {
  return typeof content === 'string' ? content : content.map((part) => part.text ?? '').join('');
}

/** Input items as chat messages; `function_call` items join the assistant message before them, as recorded. */
function toMessages(request: z.output<typeof requestSchema>): ChatMessage[] {
  const messages: ChatMessage[] = [];
  if (request.instructions) messages.push({ role: 'system', content: request.instructions });
  if (typeof request.input === 'string') return [...messages, { role: 'user', content: request.input }];
  for (const item of request.input) {
    if ('role' in item && typeof item.role === 'string' && 'content' in item) {
      const role = item.role === 'developer' ? 'system' : (item.role as ChatMessage['role']);
      messages.push({ role, content: text(item.content as string | z.output<typeof textPart>[]) });
    } else if (item.type === 'function_call') {
      const call = item as { call_id: string; name: string; arguments: string };
      const last = messages.at(-1);
      const toolCall = { id: call.call_id, name: call.name, arguments: call.arguments };
      if (last?.role === 'assistant') last.toolCalls = [...(last.toolCalls ?? []), toolCall];
      else messages.push({ role: 'assistant', content: '', toolCalls: [toolCall] });
    } else if (item.type === 'function_call_output') {
      const output = item as { call_id: string; output: string | z.output<typeof textPart>[] };
      messages.push({ role: 'tool', content: text(output.output), toolCallId: output.call_id });
    }
  }
  return messages;
}

function error(status: number, message: string): ModelApiReply {
  return { status, body: { error: { message, type: 'invalid_request_error', param: null, code: null } } };
}

/**
 * One OpenAI Responses API request (`POST /responses`) answered by an episode's tuner: input items become the
 * conversation, function tools and calls map to the runtime's, and `stream: true` replays the completion as events.
 */
export async function handleResponses(options: ModelApiRequest): Promise<ModelApiReply> {
  const parsed = requestSchema.safeParse(options.body);
  if (!parsed.success) return error(400, invalidRequestMessage(parsed.error));
  const request = parsed.data;
  if (request.previous_response_id) {
    return error(400, 'previous_response_id is not supported: send the whole conversation as input (store: false)');
  }
  const chatRequest = toolChatRequest({
    messages: toMessages(request),
    tools: (request.tools ?? []).flatMap((tool) =>
      tool.type === 'function' && tool.name ? [{ ...tool, name: tool.name }] : [],
    ),
    sampling: {
      ...(typeof request.temperature === 'number' ? { temperature: request.temperature } : {}),
      ...(typeof request.top_p === 'number' ? { topP: request.top_p } : {}),
      ...(request.max_output_tokens ? { maxTokens: request.max_output_tokens } : {}),
    },
    toolCallParser: options.toolCallParser,
  });
  const response = await options.tuner.chat(chatRequest);
  const id = `resp_${randomUUID().replaceAll('-', '')}`;
  const message = {
    type: 'message',
    id: `msg_${randomUUID().replaceAll('-', '')}`,
    status: 'completed',
    role: 'assistant',
    content: [{ type: 'output_text', text: response.message.content, annotations: [], logprobs: [] }],
  };
  const calls = (response.message.toolCalls ?? []).map((call) => ({
    type: 'function_call',
    id: `fc_${randomUUID().replaceAll('-', '')}`,
    call_id: call.id,
    name: call.name,
    arguments: call.arguments,
    status: 'completed',
  }));
  const output = [...(response.message.content !== '' || calls.length === 0 ? [message] : []), ...calls];
  const incomplete = response.finishReason === 'length' && calls.length === 0;
  const body = {
    id,
    object: 'response',
    created_at: Math.floor(Date.now() / 1000),
    status: incomplete ? 'incomplete' : 'completed',
    incomplete_details: incomplete ? { reason: 'max_output_tokens' } : null,
    error: null,
    model: request.model ?? options.model,
    output,
    parallel_tool_calls: true,
    tool_choice: 'auto',
    tools: request.tools ?? [],
    usage: {
      input_tokens: response.usage.promptTokens,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: response.usage.completionTokens,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: response.usage.promptTokens + response.usage.completionTokens,
    },
  };
  if (!request.stream) return { status: 200, body };
  let sequence = 0;
  const events: { event: string; data: unknown }[] = [];
  const emit = (type: string, fields: Record<string, unknown>) => {
    events.push({ event: type, data: { type, sequence_number: sequence++, ...fields } });
  };
  const inProgress = { ...body, status: 'in_progress', output: [], usage: null };
  emit('response.created', { response: inProgress });
  emit('response.in_progress', { response: inProgress });
  output.forEach((item, outputIndex) => {
    if (item.type === 'message') {
      const part = { type: 'output_text', text: '', annotations: [], logprobs: [] };
      const textValue = response.message.content;
      emit('response.output_item.added', {
        output_index: outputIndex,
        item: { ...item, status: 'in_progress', content: [] },
      });
      emit('response.content_part.added', { item_id: item.id, output_index: outputIndex, content_index: 0, part });
      emit('response.output_text.delta', {
        item_id: item.id,
        output_index: outputIndex,
        content_index: 0,
        delta: textValue,
        logprobs: [],
      });
      emit('response.output_text.done', {
        item_id: item.id,
        output_index: outputIndex,
        content_index: 0,
        text: textValue,
        logprobs: [],
      });
      emit('response.content_part.done', {
        item_id: item.id,
        output_index: outputIndex,
        content_index: 0,
        part: { ...part, text: textValue },
      });
    } else {
      const call = item as (typeof calls)[number];
      emit('response.output_item.added', {
        output_index: outputIndex,
        item: { ...call, arguments: '', status: 'in_progress' },
      });
      emit('response.function_call_arguments.delta', {
        item_id: call.id,
        output_index: outputIndex,
        delta: call.arguments,
      });
      emit('response.function_call_arguments.done', {
        item_id: call.id,
        output_index: outputIndex,
        name: call.name,
        arguments: call.arguments,
      });
    }
    emit('response.output_item.done', { output_index: outputIndex, item });
  });
  emit(incomplete ? 'response.incomplete' : 'response.completed', { response: body });
  return { status: 200, events };
}
