import type { Judge, JudgeResult, ToolContext, Tuner, Workflow, WorkflowOutput, WorkflowTask } from '@ajet/spec';
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
        rollout: { maxSteps: 5 },
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

  describe('rewards are checked once, for the workflow and the judge alike', () => {
    const run = (options: { output?: unknown; verdict?: unknown }) =>
      runEpisode({
        workflowTask: task(3),
        createWorkflow: () => ({ execute: async () => options.output as WorkflowOutput }),
        judge: { computeReward: async () => options.verdict as JudgeResult },
        pluginNames: { workflow: '/home/me/agent.ts->Agent', judge: 'my_judge->J' },
        policy: unusedPolicy,
        sampling: {},
        seedParts: [0],
        rollout: { maxSteps: 5 },
        timeoutMs: 10_000,
      });

    it.each([Number.NaN, Number.POSITIVE_INFINITY, '1', null])(
      'a workflow reward of %s fails the episode, blaming the workflow',
      async (reward) => {
        const result = await run({ output: { reward, metadata: {} }, verdict: { rawReward: 1, isSuccess: true } });
        expect(result.reward).toBe(0);
        expect(result.isSuccess).toBe(false);
        expect(result.error).toMatchObject({ kind: 'workflow', code: 'INVALID_REWARD', taskTag: 't3#0' });
        expect(result.error?.message).toMatch(/^workflow "agent\.ts->Agent" returned reward .* for episode t3#0: /);
      },
    );

    it.each([
      ['1', `rawReward '1' (a string)`],
      [Number.NaN, 'rawReward NaN'],
      [undefined, 'rawReward undefined'],
    ])('a judge rawReward of %s fails the episode, naming the judge', async (rawReward, described) => {
      const result = await run({ output: { metadata: {} }, verdict: { rawReward, isSuccess: true } });
      expect(result.reward).toBe(0);
      expect(result.error).toMatchObject({ kind: 'judge', code: 'INVALID_REWARD' });
      expect(result.error?.message).toBe(
        `judge "my_judge->J" returned ${described} for episode t3#0: return a finite number`,
      );
    });

    it('a judge that returns nothing is named, not a TypeError', async () => {
      const result = await run({ output: { metadata: {} }, verdict: undefined });
      expect(result.error).toMatchObject({ kind: 'judge', code: 'INVALID_REWARD' });
      expect(result.error?.message).toBe(
        'judge "my_judge->J" returned undefined instead of { rawReward, isSuccess } for episode t3#0',
      );
    });

    it('a workflow that returns nothing is named, and the judge is not called with it', async () => {
      const result = await run({ output: undefined, verdict: { rawReward: 1, isSuccess: true } });
      expect(result.error).toMatchObject({ kind: 'workflow', code: 'INVALID_OUTPUT' });
      expect(result.error?.message).toBe(
        'workflow "agent.ts->Agent" returned undefined instead of a WorkflowOutput ({ reward?, metadata }) for episode t3#0',
      );
    });

    it('a finite reward from either passes through', async () => {
      expect((await run({ output: { reward: 0.5, metadata: {} } })).reward).toBe(0.5);
      const judged = await run({ output: { metadata: {} }, verdict: { rawReward: -1, isSuccess: false } });
      expect(judged).toMatchObject({ reward: -1, isSuccess: false });
      expect(judged.error).toBeUndefined();
    });
  });

  describe("the workflow's signal and rollout settings", () => {
    /** A workflow whose one tool call hangs until the tool's signal aborts, as a stuck sandbox would. */
    const hangingTool =
      (seen: { aborted: boolean; reason: unknown }[]): (() => Workflow) =>
      () => ({
        execute: async (_task, tuner: Tuner) => {
          const toolContext: ToolContext = { episodeId: 'e', signal: tuner.signal };
          await new Promise<void>((resolve) => {
            const fallback = setTimeout(resolve, 2000);
            toolContext.signal?.addEventListener('abort', () => {
              clearTimeout(fallback);
              seen.push({ aborted: toolContext.signal?.aborted ?? false, reason: toolContext.signal?.reason });
              resolve();
            });
          });
          return { reward: 1, metadata: {} };
        },
      });
    const options = { judge, policy: unusedPolicy, sampling: {}, seedParts: [0], rollout: { maxSteps: 3 } };

    it('aborts the signal at the episode timeout: a hanging tool sees signal.aborted, the episode is a timeout', async () => {
      const seen: { aborted: boolean; reason: unknown }[] = [];
      const started = performance.now();
      const result = await runEpisode({
        ...options,
        workflowTask: task(1),
        createWorkflow: hangingTool(seen),
        timeoutMs: 50,
      });
      expect(result.error).toMatchObject({ kind: 'timeout' });
      expect(result.error?.message).toContain('rollout.episode_timeout_s');
      expect(performance.now() - started).toBeLessThan(1500);
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect(seen).toHaveLength(1);
      expect(seen[0]?.aborted).toBe(true);
      expect(String(seen[0]?.reason)).toContain('rollout.episode_timeout_s');
    });

    it('aborts the signal when the run stops', async () => {
      const seen: { aborted: boolean; reason: unknown }[] = [];
      const run = new AbortController();
      setTimeout(() => run.abort(new Error('run interrupted')), 20);
      await runEpisode({
        ...options,
        workflowTask: task(2),
        createWorkflow: hangingTool(seen),
        timeoutMs: 10_000,
        runSignal: run.signal,
      });
      expect(seen).toHaveLength(1);
      expect(seen[0]?.aborted).toBe(true);
      expect(String(seen[0]?.reason)).toContain('run interrupted');
    });

    it('gives the workflow max steps through the tuner', async () => {
      let maxSteps: number | undefined;
      await runEpisode({
        ...options,
        workflowTask: task(3),
        createWorkflow: () => ({
          execute: async (_task, tuner: Tuner) => {
            maxSteps = tuner.rollout.maxSteps;
            return { reward: 1, metadata: {} };
          },
        }),
        timeoutMs: 10_000,
      });
      expect(maxSteps).toBe(3);
    });
  });

  it("a plugin error carries the first frame in the user's file, and its stack", async () => {
    const error = new Error('judge broke on purpose');
    error.stack = [
      'Error: judge broke on purpose',
      '    at MyJudge.computeReward (/home/me/project/my_judge.ts:12:11)',
      '    at runEpisode (/somewhere/else.ts:1:1)',
    ].join('\n');
    const result = await runEpisode({
      workflowTask: task(1),
      createWorkflow: () => ({ execute: async () => ({ metadata: {} }) }),
      judge: {
        computeReward: async () => {
          throw error;
        },
      },
      policy: unusedPolicy,
      sampling: {},
      seedParts: [0],
      rollout: { maxSteps: 5 },
      timeoutMs: 10_000,
    });
    expect(result.error?.message).toBe('judge broke on purpose (at /home/me/project/my_judge.ts:12:11)');
    expect(result.error?.stack).toBe(error.stack);
  });
});
