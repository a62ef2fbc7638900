import { describe, expect, it } from 'vitest';
import { addExpression, calcTagParser, scriptedTuner } from './scripted-tuner.ts';

describe('scriptedTuner', () => {
  it('answers in script order, parses tool calls with the request parser, and keeps each request', async () => {
    const tuner = scriptedTuner(['<calc>2+3</calc>', 'It is 5.'], { maxSteps: 4 });
    const messages = [{ role: 'user' as const, content: 'What is 2+3?' }];
    const first = await tuner.chat({ messages, toolCallParser: calcTagParser });
    expect(first.message).toEqual({
      role: 'assistant',
      content: '<calc>2+3</calc>',
      toolCalls: [{ id: 'call_0', name: 'calc', arguments: '{"expression":"2+3"}' }],
    });
    messages.push({ role: 'user', content: addExpression('2+3') });
    expect((await tuner.chat({ messages })).message).toEqual({ role: 'assistant', content: 'It is 5.' });
    expect((await tuner.chat({ messages })).message.content).toBe('out of script');
    expect(tuner.requests.map((request) => request.messages.length)).toEqual([1, 2, 2]);
    expect(tuner.requests[0]).not.toHaveProperty('toolCallParser', calcTagParser);
    expect(tuner.rollout.maxSteps).toBe(4);
    expect(() => tuner.openai()).toThrow(/not scripted/);
  });
});
