import type { ServerResponse } from 'node:http';

/** What a model-API handler answers: one JSON body, or (for `stream: true`) server-sent events in order. */
export type ModelApiReply =
  | { status: number; body: unknown }
  | { status: 200; events: { event?: string; data: unknown }[] };

/** Writes a reply: JSON, or an SSE stream (`event:` lines when the API names its events, as Anthropic's does). */
export function writeModelApiReply(response: ServerResponse, reply: ModelApiReply): void {
  if (response.writableEnded || response.destroyed) return;
  if ('body' in reply) {
    const text = JSON.stringify(reply.body);
    response.writeHead(reply.status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
    });
    response.end(text);
    return;
  }
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  for (const { event, data } of reply.events) {
    response.write(
      `${event ? `event: ${event}\n` : ''}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`,
    );
  }
  response.end();
}

/** `stream: true` for chat completions: the whole completion replayed as chunks, then `[DONE]`. */
export function chatCompletionEvents(body: Record<string, unknown>): ModelApiReply {
  const choice = (body.choices as { message: Record<string, unknown>; finish_reason: string }[])[0];
  const base = { id: body.id, object: 'chat.completion.chunk', created: body.created, model: body.model };
  const message = choice?.message ?? {};
  const toolCalls = (message.tool_calls as Record<string, unknown>[] | undefined) ?? [];
  const events: { data: unknown }[] = [
    { data: { ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] } },
  ];
  if (typeof message.content === 'string' && message.content !== '') {
    events.push({
      data: { ...base, choices: [{ index: 0, delta: { content: message.content }, finish_reason: null }] },
    });
  }
  toolCalls.forEach((call, index) => {
    events.push({
      data: { ...base, choices: [{ index: 0, delta: { tool_calls: [{ index, ...call }] }, finish_reason: null }] },
    });
  });
  events.push({
    data: {
      ...base,
      choices: [{ index: 0, delta: {}, finish_reason: choice?.finish_reason ?? 'stop' }],
      usage: body.usage,
    },
  });
  events.push({ data: '[DONE]' });
  return { status: 200, events };
}
