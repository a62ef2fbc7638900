import type { PluginContext, WorkflowTask } from '@ajet/spec';
import { RecordingJudge } from '@ajet/spec/test';
import { describe, expect, it } from 'vitest';
import { MathAnswerJudge } from './math-answer-judge.ts';
import { WeightedJudge } from './weighted-judge.ts';

const task: WorkflowTask = {
  task: { taskId: '1', mainQuery: 'q', metadata: { answer: '#### 1,000' } },
  episodeId: 'e',
  taskTag: 'T1#R0',
  split: 'train',
  repeatIndex: 0,
};

describe('weighted', () => {
  it('loads judges through context.load and sums weighted rewards', async () => {
    const loaded: Array<{ reference: string; settings: unknown }> = [];
    const context: PluginContext = {
      configDir: '.',
      config: {},
      load: async <T>(reference: string, _kind: string, settings?: unknown): Promise<T> => {
        loaded.push({ reference, settings });
        const judge =
          reference === 'llm'
            ? new RecordingJudge(() => ({ rawReward: 0.5, isSuccess: false }))
            : new MathAnswerJudge(MathAnswerJudge.settings.parse(settings ?? {}));
        return judge as T;
      },
    };
    const judge = new WeightedJudge(
      WeightedJudge.settings.parse({
        judges: [
          { judge: 'llm', weight: 0.8 },
          { judge: 'math', weight: 0.2, settings: { tolerance_absolute: 0.1 } },
        ],
      }),
      context,
    );
    const result = await judge.computeReward(
      task,
      { metadata: { finalAnswer: '1000' } },
      { messages: [], calls: [], sequences: [] },
    );
    expect(result.rawReward).toBeCloseTo(0.8 * 0.5 + 0.2 * 1);
    expect(result.isSuccess).toBe(false);
    expect(loaded).toEqual([
      { reference: 'llm', settings: undefined },
      { reference: 'math', settings: { tolerance_absolute: 0.1 } },
    ]);
  });

  it('starts loading its judges when constructed, so the plugin loader fails a missing one at start', async () => {
    const loaded: Array<{ reference: string; at: unknown }> = [];
    const context: PluginContext = {
      configDir: '.',
      config: {},
      load: <T>(reference: string, _kind: string, _settings?: unknown, at?: unknown): Promise<T> => {
        loaded.push({ reference, at });
        return Promise.reject(new Error(`no judge ${reference}`));
      },
    };
    const judge = new WeightedJudge(
      WeightedJudge.settings.parse({ judges: [{ judge: './gone.ts->Gone', weight: 1 }] }),
      context,
    );
    expect(loaded).toEqual([
      { reference: './gone.ts->Gone', at: { keyPath: 'judges.0.settings', referenceKeyPath: 'judges.0.judge' } },
    ]);
    await expect(
      judge.computeReward(task, { metadata: {} }, { messages: [], calls: [], sequences: [] }),
    ).rejects.toThrow('no judge ./gone.ts->Gone');
  });

  it('refuses an empty judge list', () => {
    expect(WeightedJudge.settings.safeParse({ judges: [] }).success).toBe(false);
  });
});
