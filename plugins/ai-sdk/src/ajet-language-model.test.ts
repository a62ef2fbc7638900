import { addExpression, calcTagParser as parser, scriptedTuner } from '@ajet/spec/test';
import { generateText, stepCountIs, streamText, tool } from 'ai';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ajet } from './ajet-language-model.ts';

const calc = tool({
  description: 'adds',
  inputSchema: z.object({ expression: z.string() }),
  execute: async ({ expression }) => addExpression(expression),
});

describe('ajet(tuner): the tuner as an AI SDK LanguageModel', () => {
  it('runs generateText with tools and stopWhen through tuner.chat, replaying the conversation as recorded', async () => {
    const tuner = scriptedTuner(['<calc>2+3</calc>', 'The answer is 5.']);
    const { text, steps } = await generateText({
      model: ajet(tuner, { toolCallParser: parser }),
      system: 'You add.',
      prompt: 'What is 2+3?',
      tools: { calc },
      stopWhen: stepCountIs(3),
      temperature: 0.5,
      maxOutputTokens: 40,
    });
    expect(text).toBe('The answer is 5.');
    expect(steps).toHaveLength(2);
    expect(tuner.requests).toHaveLength(2);
    const [first, second] = tuner.requests;
    expect(first?.messages).toEqual([
      { role: 'system', content: 'You add.' },
      { role: 'user', content: 'What is 2+3?' },
    ]);
    expect(first?.tools?.map((spec) => spec.name)).toEqual(['calc']);
    expect(first?.sampling).toEqual({ temperature: 0.5, maxTokens: 40 });
    // The assistant turn comes back exactly as the tuner answered it (so the runtime merges both calls into one
    // sample), then the tool's result as a tool message.
    expect(second?.messages.slice(2)).toEqual([
      {
        role: 'assistant',
        content: '<calc>2+3</calc>',
        toolCalls: [{ id: 'call_0', name: 'calc', arguments: JSON.stringify({ expression: '2+3' }) }],
      },
      { role: 'tool', content: '5', toolCallId: 'call_0', name: 'calc' },
    ]);
  });

  it("sends tool results in the model's own template when told (user <output>…</output>)", async () => {
    const tuner = scriptedTuner(['<calc>1+1</calc>', '2']);
    await generateText({
      model: ajet(tuner, {
        toolCallParser: parser,
        toolReply: { role: 'user', template: '<output>{output}</output>' },
      }),
      prompt: 'What is 1+1?',
      tools: { calc },
      stopWhen: stepCountIs(3),
    });
    expect(tuner.requests[1]?.messages.at(-1)).toEqual({ role: 'user', content: '<output>2</output>' });
  });

  it('streams (streamText) the same completion and tool calls', async () => {
    const tuner = scriptedTuner(['<calc>4+4</calc>', 'It is 8.']);
    const result = streamText({
      model: ajet(tuner, { toolCallParser: parser }),
      prompt: 'What is 4+4?',
      tools: { calc },
      stopWhen: stepCountIs(3),
    });
    expect(await result.text).toBe('It is 8.');
    expect((await result.steps)[0]?.toolCalls.map((call) => call.input)).toEqual([{ expression: '4+4' }]);
  });
});
