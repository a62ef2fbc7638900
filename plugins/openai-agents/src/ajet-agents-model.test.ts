import { addExpression, calcTagParser as parser, scriptedTuner } from '@ajet/spec/test';
import { Agent, Runner, run, tool } from '@openai/agents-core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ajetAgentsModel, ajetAgentsModelProvider } from './ajet-agents-model.ts';

const calc = tool({
  name: 'calc',
  description: 'adds',
  parameters: z.object({ expression: z.string() }),
  execute: async ({ expression }) => addExpression(expression),
});

describe('ajetAgentsModel(tuner): the tuner as an OpenAI Agents JS Model', () => {
  it('runs an Agent with a tool through tuner.chat, replaying the conversation as recorded', async () => {
    const tuner = scriptedTuner(['<calc>2+3</calc>', 'The answer is 5.']);
    const agent = new Agent({
      name: 'adder',
      instructions: 'You add.',
      model: ajetAgentsModel(tuner, { toolCallParser: parser }),
      modelSettings: { temperature: 0.5, maxTokens: 40 },
      tools: [calc],
    });
    const result = await run(agent, 'What is 2+3?', { maxTurns: 3 });
    expect(result.finalOutput).toBe('The answer is 5.');
    expect(tuner.requests).toHaveLength(2);
    const [first, second] = tuner.requests;
    expect(first?.messages).toEqual([
      { role: 'system', content: 'You add.' },
      { role: 'user', content: 'What is 2+3?' },
    ]);
    expect(first?.tools?.map((spec) => spec.name)).toEqual(['calc']);
    expect(first?.tools?.[0]?.parameters).toMatchObject({ properties: { expression: { type: 'string' } } });
    expect(first?.sampling).toEqual({ temperature: 0.5, maxTokens: 40 });
    // The assistant turn comes back exactly as the tuner answered it (text and tool call in one message, so the
    // runtime merges both calls into one sample), then the tool's result as a tool message.
    expect(second?.messages).toEqual([
      ...(first?.messages ?? []),
      {
        role: 'assistant',
        content: '<calc>2+3</calc>',
        toolCalls: [{ id: 'call_0', name: 'calc', arguments: JSON.stringify({ expression: '2+3' }) }],
      },
      { role: 'tool', content: '5', toolCallId: 'call_0', name: 'calc' },
    ]);
    expect(result.rawResponses.map((response) => response.usage.outputTokens)).toEqual([16, 16]);
  });

  it("sends tool results in the model's own template when told (user <output>…</output>)", async () => {
    const tuner = scriptedTuner(['<calc>1+1</calc>', '2']);
    const agent = new Agent({
      name: 'adder',
      model: ajetAgentsModel(tuner, {
        toolCallParser: parser,
        toolReply: { role: 'user', template: '<output>{output}</output>' },
      }),
      tools: [calc],
    });
    const result = await run(agent, 'What is 1+1?');
    expect(result.finalOutput).toBe('2');
    expect(tuner.requests[1]?.messages.at(-1)).toEqual({ role: 'user', content: '<output>2</output>' });
  });

  it('streams (run with stream: true) the same completion and tool calls, through a ModelProvider', async () => {
    const tuner = scriptedTuner(['<calc>4+4</calc>', 'It is 8.']);
    const runner = new Runner({ modelProvider: ajetAgentsModelProvider(tuner, { toolCallParser: parser }) });
    const agent = new Agent({ name: 'adder', model: 'policy', tools: [calc] });
    const result = await runner.run(agent, 'What is 4+4?', { stream: true });
    let text = '';
    for await (const event of result.toTextStream()) text += event;
    await result.completed;
    expect(result.finalOutput).toBe('It is 8.');
    expect(text).toContain('It is 8.');
    expect(tuner.requests[1]?.messages.at(-1)).toEqual({
      role: 'tool',
      content: '8',
      toolCallId: 'call_0',
      name: 'calc',
    });
  });

  it('keeps calling tools turn after turn although the parser numbers every turn call_0 (ids unique for the runner)', async () => {
    const tuner = scriptedTuner(['<calc>1+1</calc>', '<calc>2+2</calc>', 'Done: 4.']);
    const agent = new Agent({
      name: 'adder',
      model: ajetAgentsModel(tuner, { toolCallParser: parser }),
      tools: [calc],
    });
    const result = await run(agent, 'Add.', { maxTurns: 3 });
    expect(result.finalOutput).toBe('Done: 4.');
    // The policy sees its own ids again in every replayed turn.
    expect(tuner.requests[2]?.messages.slice(1)).toEqual([
      {
        role: 'assistant',
        content: '<calc>1+1</calc>',
        toolCalls: [{ id: 'call_0', name: 'calc', arguments: JSON.stringify({ expression: '1+1' }) }],
      },
      { role: 'tool', content: '2', toolCallId: 'call_0', name: 'calc' },
      {
        role: 'assistant',
        content: '<calc>2+2</calc>',
        toolCalls: [{ id: 'call_0', name: 'calc', arguments: JSON.stringify({ expression: '2+2' }) }],
      },
      { role: 'tool', content: '4', toolCallId: 'call_0', name: 'calc' },
    ]);
  });

  it('stops at maxTurns when the policy keeps calling tools, each call recorded', async () => {
    const tuner = scriptedTuner(['<calc>1+1</calc>', '<calc>2+2</calc>', '<calc>3+3</calc>']);
    const agent = new Agent({
      name: 'adder',
      model: ajetAgentsModel(tuner, { toolCallParser: parser }),
      tools: [calc],
    });
    await expect(run(agent, 'Add.', { maxTurns: 2 })).rejects.toThrow(/max turns/i);
    expect(tuner.requests).toHaveLength(2);
  });

  it('answers several calls of one turn in order, as one assistant turn', async () => {
    const tuner = scriptedTuner(['<calc>1+1</calc><calc>2+2</calc>', '2 and 4.']);
    const agent = new Agent({
      name: 'adder',
      model: ajetAgentsModel(tuner, { toolCallParser: parser }),
      tools: [calc],
    });
    const result = await run(agent, 'Add both.');
    expect(result.finalOutput).toBe('2 and 4.');
    expect(tuner.requests[1]?.messages.slice(1)).toEqual([
      {
        role: 'assistant',
        content: '<calc>1+1</calc><calc>2+2</calc>',
        toolCalls: [
          { id: 'call_0', name: 'calc', arguments: JSON.stringify({ expression: '1+1' }) },
          { id: 'call_1', name: 'calc', arguments: JSON.stringify({ expression: '2+2' }) },
        ],
      },
      { role: 'tool', content: '2', toolCallId: 'call_0', name: 'calc' },
      { role: 'tool', content: '4', toolCallId: 'call_1', name: 'calc' },
    ]);
  });

  it('refuses a hosted tool with a one-line error instead of dropping it', async () => {
    const tuner = scriptedTuner(['hi']);
    const agent = new Agent({
      name: 'searcher',
      model: ajetAgentsModel(tuner),
      tools: [{ type: 'hosted_tool', name: 'web_search', providerData: { type: 'web_search' } }],
    });
    await expect(run(agent, 'Search.')).rejects.toThrow(/hosted_tool tool web_search is not supported/);
    expect(tuner.requests).toHaveLength(0);
  });
});
