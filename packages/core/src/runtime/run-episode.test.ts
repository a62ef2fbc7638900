import type { Judge, Tuner, Workflow, WorkflowTask } from '@ajet/spec';
import { describe, expect, it } from 'vitest';
import type { ChatPolicy } from './chat-policy.ts';
import { runEpisode } from './run-episode.ts';

const task = (index: number): WorkflowTask => ({
  task: { taskId: `t${index}`, mainQuery: 'q', metadata: {} },
  split: 'train',
  repeatIndex: 0,
  taskTag: `t${index}#0`,
  episodeId: `e${index}`,
});
const judge: Judge = { computeReward: async () => ({ rawReward: 1, isSuccess: true }) };
const unusedPolicy = {} as ChatPolicy;

describe('runEpisode', () => {
  it('runs many episodes on one run signal without a listener-leak warning, and a run abort reaches each', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    const run = new AbortController();
    let started = 0;
    let release: () => void = () => {};
    const allStarted = new Promise<void>((resolve) => {
      release = resolve;
    });
    const seen: boolean[] = [];
    const workflow = (): Workflow => ({
      execute: async (_task, tuner: Tuner) => {
        started += 1;
        if (started === 64) release();
        await allStarted;
        await new Promise((resolve) => setTimeout(resolve, 20));
        // A call after the run stopped must fail before it reaches the policy.
        seen.push(
          await tuner.chat({ messages: [] }).then(
            () => false,
            () => true,
          ),
        );
        return { reward: 1, metadata: {} };
      },
    });
    const episodes = Array.from({ length: 64 }, (_, index) =>
      runEpisode({
        workflowTask: task(index),
        createWorkflow: workflow,
        judge,
        policy: unusedPolicy,
        sampling: {},
        seedParts: [index],
        timeoutMs: 10_000,
        runSignal: run.signal,
      }),
    );
    await allStarted;
    run.abort(new Error('stop'));
    const results = await Promise.all(episodes);
    await new Promise((resolve) => setImmediate(resolve));
    process.off('warning', onWarning);
    expect(results).toHaveLength(64);
    expect(seen).toEqual(Array(64).fill(true));
    expect(warnings).not.toContain('MaxListenersExceededWarning');
  });
});
