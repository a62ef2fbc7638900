import { fileURLToPath } from 'node:url';
import type { Judge, RolloutError, Task, Workflow } from '@ajet/spec';
import { RecordingBackbone } from '@ajet/spec/test';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load-config.ts';
import { GroupCollector } from './collect-groups.ts';
import type { EpisodeResult } from './run-episode.ts';
import { TokenPolicy } from './token-policy.ts';

const BASE = fileURLToPath(new URL('../config/__fixtures__/base.yaml', import.meta.url));
const tasks: Task[] = Array.from({ length: 6 }, (_, index) => ({
  taskId: `t${index}`,
  mainQuery: `question ${index}`,
  metadata: { index },
}));

/** One model call per episode; task t1 throws. Reward: 1 for even repeats of tasks t0/t2, 1 always for the rest. */
const workflow = (): Workflow => ({
  async execute(task, tuner) {
    if (task.task.taskId === 't1') throw new Error('t1 breaks');
    await tuner.chat({ messages: [{ role: 'user', content: task.task.mainQuery }] });
    return { metadata: {}, reward: ['t0', 't2'].includes(task.task.taskId) ? (task.repeatIndex + 1) % 2 : 1 };
  },
});
const judge: Judge = { computeReward: async () => ({ rawReward: 0, isSuccess: false }) };

function setup(...sets: string[]) {
  const config = loadConfig({ file: BASE, sets: ['rollout.num_repeat=2', ...sets] }).config;
  const backbone = new RecordingBackbone();
  const phases: string[] = [];
  const collector = new GroupCollector({
    config,
    policy: new TokenPolicy({ backbone, description: 'recording' }),
    createWorkflow: workflow,
    judge,
    concurrency: 3,
    observer: { onPhase: ({ phase, episodes }) => phases.push(`${phase}:${episodes}`) },
  });
  return { collector, phases, backbone };
}

const differs = (group: readonly EpisodeResult[]) => new Set(group.map((result) => result.reward)).size > 1;
const ids = (groups: EpisodeResult[][]) => groups.map((group) => group.map((result) => result.workflowTask.episodeId));

describe('GroupCollector', () => {
  it('runs repeats of each task and groups them by task, in order, with unique episode ids', async () => {
    const { collector, phases } = setup();
    const groups = await collector.rollout({
      tasks: tasks.slice(0, 3),
      split: 'validation',
      repeats: 2,
      step: 4,
      phase: 'validate',
    });
    expect(ids(groups)).toEqual([
      ['validation-s4-t0-r0', 'validation-s4-t0-r1'],
      ['validation-s4-t1-r0', 'validation-s4-t1-r1'],
      ['validation-s4-t2-r0', 'validation-s4-t2-r1'],
    ]);
    expect(groups[1]?.every((result) => result.error?.kind === 'workflow')).toBe(true);
    expect(phases).toEqual(['validate:6']);
  });

  it('without filter_groups collects just the batch, reporting each failed episode', async () => {
    const { collector } = setup();
    const errors: RolloutError[] = [];
    const groups = await collector.collectTrainGroups({
      step: 1,
      batch: tasks.slice(0, 2),
      trainTasks: tasks,
      informative: differs,
      onEpisodeError: (error) => errors.push(error),
    });
    expect(groups).toHaveLength(2);
    expect(errors.map((error) => error.taskTag)).toEqual(['Tt1#R0', 'Tt1#R1']);
  });

  it('with filter_groups draws more unused tasks, seeded by the step, until the batch has enough informative groups', async () => {
    const run = async () => {
      const { collector, phases } = setup('algorithm.filter_groups=true', 'algorithm.max_gen_batches=4');
      const groups = await collector.collectTrainGroups({
        step: 2,
        batch: tasks.slice(0, 2),
        trainTasks: tasks,
        informative: differs,
      });
      return { groups, phases };
    };
    const { groups, phases } = await run();
    const taskIds = groups.map((group) => group[0]?.workflowTask.task.taskId);
    // The batch (t0 informative, t1 failed) needs one more informative group: t2 is the only other one.
    expect(taskIds.slice(0, 2)).toEqual(['t0', 't1']);
    expect(new Set(taskIds).size).toBe(taskIds.length);
    expect(taskIds).toContain('t2');
    expect(groups.filter(differs)).toHaveLength(2);
    expect(phases.every((phase) => phase === 'rollout:4')).toBe(true);
    expect(ids(groups)[2]?.[0]).toBe('train-s2-t2-r0');
    // A resumed run draws the same tasks.
    expect((await run()).groups.map((group) => group[0]?.workflowTask.task.taskId)).toEqual(taskIds);
  });

  it('stops drawing after max_gen_batches batches even when too few groups are informative', async () => {
    const { collector } = setup('algorithm.filter_groups=true', 'algorithm.max_gen_batches=2');
    const groups = await collector.collectTrainGroups({
      step: 1,
      batch: tasks.slice(3, 4),
      trainTasks: tasks.filter((task) => task.taskId !== 't0' && task.taskId !== 't2'),
      informative: differs,
    });
    // The batch and one more draw of one task, though t1, t4 and t5 were left to draw.
    expect(groups).toHaveLength(2);
  });
});
