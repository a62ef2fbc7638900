import type { WorkflowTask } from '@ajet/spec';
import { describe, expect, it } from 'vitest';
import { MyJudge } from './my_judge.ts';

const task: WorkflowTask = {
  task: { taskId: '1', mainQuery: 'How many clips?', metadata: { answer: 'She sold 48 + 24 clips.\n#### 72' } },
  episodeId: 'e',
  taskTag: 'T1#R0',
  split: 'train',
  repeatIndex: 0,
};
const answer = (content: string, finalAnswer?: string) =>
  new MyJudge({}).computeReward(
    task,
    { metadata: finalAnswer ? { finalAnswer } : {} },
    {
      messages: [{ role: 'assistant', content }],
      calls: [],
      sequences: [],
    },
  );

describe('MyJudge', () => {
  it('gives 1 to a short, boxed, correct answer', async () => {
    expect(await answer('48 + 24 = 72, so \\boxed{72}')).toMatchObject({ rawReward: 1, isSuccess: true });
  });

  it('gives 0 to a wrong answer', async () => {
    expect(await answer('\\boxed{71}')).toMatchObject({ rawReward: 0, isSuccess: false });
  });

  it('takes off for a missing box and for length', async () => {
    expect((await answer('It is 72', '72')).rawReward).toBeCloseTo(0.5);
    const rambling = `${'Let me think. '.repeat(100)}\\boxed{72}`;
    const result = await answer(rambling);
    expect(result.rawReward).toBeLessThan(1);
    expect(result.rawReward).toBeCloseTo(1 - ((rambling.length - 400) / 100) * 0.05);
  });

  it('reads the answer the calculator agent really writes, boxed or not', async () => {
    const calculatorTask = { ...task, task: { ...task.task, metadata: { answer: '21159' } } };
    const judged = (content: string) =>
      new MyJudge({}).computeReward(
        calculatorTask,
        { metadata: { finalAnswer: content } },
        { messages: [{ role: 'assistant', content }], calls: [], sequences: [] },
      );
    expect(await judged('The answer is 21159.')).toMatchObject({ rawReward: 0.5, isSuccess: true });
    expect(await judged('The answer is \\boxed{21159}.')).toMatchObject({ rawReward: 1, isSuccess: true });
    expect(await judged('The answer is 21158.')).toMatchObject({ rawReward: 0, isSuccess: false });
  });

  it('rejects an unknown setting with a ConfigError', () => {
    expect(() => new MyJudge({ lenght_penalty: 1 })).toThrow(/lenght_penalty/);
  });
});
