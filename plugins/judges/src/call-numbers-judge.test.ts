import type { ChatMessage, Trajectory, WorkflowTask } from '@ajet/spec';
import { describe, expect, it } from 'vitest';
import { CallNumbersJudge, commonSubsequenceLength, numbersIn } from './call-numbers-judge.ts';

const taskOf = (mainQuery: string, metadata: Record<string, unknown> = {}): WorkflowTask => ({
  task: { taskId: '1', mainQuery, metadata },
  episodeId: 'e',
  taskTag: 'T1#R0',
  split: 'train',
  repeatIndex: 0,
});
const calling = (...args: string[]): Trajectory => ({
  messages: [
    { role: 'user', content: 'q' },
    ...args.map(
      (text, index): ChatMessage => ({
        role: 'assistant',
        content: '',
        toolCalls: [{ id: `c${index}`, name: 'calculator', arguments: text }],
      }),
    ),
  ],
  calls: [],
  sequences: [],
});
const judge = new CallNumbersJudge(CallNumbersJudge.settings.parse({}));
const question = 'What is 987654 divided by 321, times 654321, minus -680?';

describe('call_numbers', () => {
  it('reads unsigned numbers in order, the same number written two ways alike', () => {
    expect(numbersIn('subtract [007, -95707, 7.50, 2.0]', 10)).toEqual(['7', '95707', '7.5', '2']);
    expect(numbersIn('1 2 3 4', 2)).toEqual(['1', '2']);
  });

  it('counts the longest common subsequence', () => {
    expect(commonSubsequenceLength(['1', '2', '3', '4'], ['1', '3', '9', '4'])).toBe(3);
    expect(commonSubsequenceLength([], ['1'])).toBe(0);
    expect(commonSubsequenceLength(['5', '5'], ['5'])).toBe(1);
  });

  it('gives 1 to a call that carries every number in order, a negated operand included', async () => {
    const yaml =
      'operation: subtract\noperands:\n  - operation: multiply\n    operands: [987654, 321, 654321]\n  - -680';
    const result = await judge.computeReward(taskOf(question), { metadata: {} }, calling(yaml));
    expect(result).toMatchObject({ rawReward: 1, isSuccess: true, details: { reason: 'all_numbers_in_order' } });
  });

  it('scores a dropped, an extra and a swapped number below 1, by 2L / (|reference| + |called|)', async () => {
    const score = async (...args: string[]) =>
      (await judge.computeReward(taskOf(question), { metadata: {} }, calling(...args))).rawReward;
    expect(await score('[987654, 321, 680]')).toBeCloseTo((2 * 3) / (4 + 3));
    expect(await score('[987654, 321, 654321, 680, 1]')).toBeCloseTo((2 * 4) / (4 + 5));
    expect(await score('[321, 987654, 654321, 680]')).toBeCloseTo((2 * 3) / (4 + 4));
    // Numbers spread over several calls read as one sequence.
    expect(await score('[987654, 321]', '[654321, 680]')).toBe(1);
  });

  it('gives 0 to an episode without a tool call, and says why', async () => {
    const result = await judge.computeReward(
      taskOf(question),
      { metadata: {} },
      { messages: [{ role: 'assistant', content: '\\boxed{3}' }], calls: [], sequences: [] },
    );
    expect(result).toMatchObject({ rawReward: 0, isSuccess: false, details: { reason: 'no_tool_call' } });
  });

  it('reads the reference from a metadata field when told to', async () => {
    const byExpression = new CallNumbersJudge(CallNumbersJudge.settings.parse({ reference_field: 'expression' }));
    const task = taskOf('twice three', { expression: '2*3' });
    expect((await byExpression.computeReward(task, { metadata: {} }, calling('[2, 3]'))).rawReward).toBe(1);
    const missing = await byExpression.computeReward(taskOf('2*3'), { metadata: {} }, calling('[2, 3]'));
    expect(missing).toMatchObject({ rawReward: 0, details: { reason: 'no_reference', field: 'expression' } });
    const none = await judge.computeReward(taskOf('no numbers here'), { metadata: {} }, calling('[2]'));
    expect(none).toMatchObject({ rawReward: 0, details: { reason: 'no_numbers_in_reference' } });
  });

  it('stays fast and bounded on hostile calls (a megabyte of digits, thousands of numbers)', async () => {
    const flood = '1 '.repeat(500_000);
    const started = performance.now();
    const result = await judge.computeReward(taskOf('1 2 3'), { metadata: {} }, calling(flood, '9'.repeat(100_000)));
    expect(result.details).toMatchObject({ calledNumbers: 512, inOrder: 1 });
    expect(result.rawReward).toBeCloseTo(2 / (3 + 512));
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});
