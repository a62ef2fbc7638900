import { describe, expect, it } from 'vitest';
import { handleAnthropicMessages } from './anthropic-messages-api.ts';
import { toolChatRequest } from './model-api-request.ts';
import { handleResponses } from './responses-api.ts';

const parser = { parse: (text: string) => ({ content: text, toolCalls: [], malformed: [] }) };
const messages = [{ role: 'user' as const, content: 'hi' }];

describe('toolChatRequest', () => {
  it('sends tools and the parser only when the request declares tools, filling a missing description and schema', () => {
    expect(toolChatRequest({ messages, tools: [], sampling: {}, toolCallParser: parser })).toEqual({
      messages,
      sampling: {},
      toolCallParser: undefined,
    });
    const withTools = toolChatRequest({
      messages,
      tools: [{ name: 'calc', description: null, parameters: null }],
      sampling: { maxTokens: 8 },
      toolCallParser: parser,
    });
    expect(withTools.tools).toEqual([
      { name: 'calc', description: '', parameters: { type: 'object', properties: {} } },
    ]);
    expect(withTools.toolCallParser).toBe(parser);
  });

  it('is what the Responses and Messages handlers send the tuner', async () => {
    const seen: unknown[] = [];
    const tuner = {
      chat: async (request: unknown) => {
        seen.push(request);
        return {
          message: { role: 'assistant' as const, content: 'ok' },
          finishReason: 'stop' as const,
          usage: { promptTokens: 1, completionTokens: 1 },
        };
      },
    };
    await handleResponses({
      body: { input: 'hi', tools: [{ type: 'function', name: 'calc', strict: true }, { type: 'web_search' }] },
      tuner,
      model: 'm',
      toolCallParser: parser,
    });
    await handleAnthropicMessages({
      body: {
        max_tokens: 8,
        messages: [{ role: 'user', content: 'hi' }],
        tools: [{ name: 'calc', input_schema: { type: 'object' } }],
      },
      tuner,
      model: 'm',
      toolCallParser: parser,
    });
    expect(seen).toEqual([
      {
        messages,
        tools: [{ name: 'calc', description: '', parameters: { type: 'object', properties: {} } }],
        sampling: {},
        toolCallParser: parser,
      },
      {
        messages,
        tools: [{ name: 'calc', description: '', parameters: { type: 'object' } }],
        sampling: { maxTokens: 8 },
        toolCallParser: parser,
      },
    ]);
  });
});
