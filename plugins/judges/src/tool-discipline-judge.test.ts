import type { ChatMessage, Trajectory, WorkflowTask } from '@ajet/spec';
import { describe, expect, it } from 'vitest';
import { ToolDisciplineJudge } from './tool-discipline-judge.ts';

const task: WorkflowTask = {
  task: { taskId: '1', mainQuery: 'q', metadata: {} },
  episodeId: 'e',
  taskTag: 'T1#R0',
  split: 'train',
  repeatIndex: 0,
};
const trajectoryOf = (messages: ChatMessage[]): Trajectory => ({ messages, calls: [], sequences: [] });
const call = (id: string) => ({ id, name: 'python', arguments: '{"code":"1+1"}' });

describe('tool_discipline', () => {
  const judge = new ToolDisciplineJudge(ToolDisciplineJudge.settings.parse({ max_tool_calls: 2 }));

  it('gives the base reward to a clean episode', async () => {
    const result = await judge.computeReward(
      task,
      { metadata: {} },
      trajectoryOf([
        { role: 'user', content: 'q' },
        { role: 'assistant', content: '', toolCalls: [call('a')] },
        { role: 'tool', content: '2', toolCallId: 'a' },
        { role: 'assistant', content: '\\boxed{2}' },
      ]),
    );
    expect(result).toMatchObject({ rawReward: 1, isSuccess: true });
  });

  it('penalises each kind of violation with its weight', async () => {
    const messages: ChatMessage[] = [
      { role: 'assistant', content: 'x', malformedToolCalls: [{ raw: '{bad', error: 'json' }] },
      { role: 'assistant', content: 'the answer: \\boxed{3}', toolCalls: [call('a'), call('b')] },
      { role: 'tool', content: '  ', toolCallId: 'a' },
      { role: 'tool', content: '3', toolCallId: 'b' },
      { role: 'assistant', content: '', toolCalls: [call('c')] },
    ];
    const result = await judge.computeReward(task, { metadata: {} }, trajectoryOf(messages));
    const kinds = (judge.violations(trajectoryOf(messages)) ?? []).map((violation) => violation.kind);
    expect(kinds).toEqual([
      'malformed_tool_call',
      'answer_with_tool_call',
      'empty_tool_output',
      'unused_tool_output',
      'too_many_tool_calls',
    ]);
    expect(result.isSuccess).toBe(false);
    expect(result.rawReward).toBeCloseTo(1 - 0.2 - 0.3 - 0.2 - 0.2 - 0.1);
  });

  it('reads calculator-style replies (<output> in a user message) and respects min_reward', async () => {
    const strict = new ToolDisciplineJudge(
      ToolDisciplineJudge.settings.parse({
        reply_format: 'output_tag',
        min_reward: -1,
        weights: { empty_tool_output: 5 },
      }),
    );
    const result = await strict.computeReward(
      task,
      { metadata: {} },
      trajectoryOf([
        { role: 'assistant', content: '<calc>1+</calc>', toolCalls: [call('a')] },
        { role: 'user', content: '<output></output>' },
        { role: 'assistant', content: '\\boxed{2}' },
      ]),
    );
    expect(result.rawReward).toBe(-1);
    expect(result.details?.violations).toEqual([{ kind: 'empty_tool_output', messageIndex: 1, penalty: 5 }]);
  });

  it('counts an execute_python_code run that printed nothing as an empty output, not one that failed', async () => {
    const reply = (stdout: string, stderr = '') => JSON.stringify({ stdout, stderr, returncode: stderr ? 1 : 0 });
    const result = await judge.computeReward(
      task,
      { metadata: {} },
      trajectoryOf([
        { role: 'assistant', content: '', toolCalls: [call('a')] },
        { role: 'tool', content: reply(''), toolCallId: 'a' },
        { role: 'assistant', content: '', toolCalls: [call('b')] },
        { role: 'tool', content: reply('', 'NameError: x'), toolCallId: 'b' },
        { role: 'assistant', content: '', toolCalls: [call('c')] },
        { role: 'tool', content: reply('42\n'), toolCallId: 'c' },
        { role: 'assistant', content: '\\boxed{42}' },
      ]),
    );
    expect(result.details?.violations).toEqual([
      { kind: 'empty_tool_output', messageIndex: 1, penalty: 0.2 },
      { kind: 'too_many_tool_calls', penalty: 0.1 },
    ]);
  });

  it('rejects a broken answer_pattern with a ConfigError', () => {
    expect(() => new ToolDisciplineJudge(ToolDisciplineJudge.settings.parse({ answer_pattern: '(' }))).toThrow(
      /answer_pattern is not a valid regular expression/,
    );
  });

  it('reads a tool reply full of unclosed <output> tags in linear time', async () => {
    const tagged = new ToolDisciplineJudge(ToolDisciplineJudge.settings.parse({ reply_format: 'output_tag' }));
    const reply = '<output>'.repeat(20_000);
    const started = performance.now();
    const result = await tagged.computeReward(
      task,
      { metadata: {} },
      trajectoryOf([
        { role: 'assistant', content: '<calculator>1</calculator>', toolCalls: [call('a')] },
        { role: 'user', content: reply },
        { role: 'assistant', content: '\\boxed{2}' },
      ]),
    );
    expect(performance.now() - started).toBeLessThan(500);
    expect(result.rawReward).toBe(1);
  });
});
