import { describe, expect, it } from 'vitest';
import { group } from './__fixtures__/episode-results.ts';
import { pipelineMetrics, RolloutPipeline } from './rollout-pipeline.ts';

describe('RolloutPipeline', () => {
  it('collects each step once, ahead or when taken, and settle waits for what runs ahead', async () => {
    const started: number[] = [];
    const finish = new Map<number, () => void>();
    const pipeline = new RolloutPipeline(async (step) => {
      started.push(step);
      await new Promise<void>((resolve) => finish.set(step, resolve));
      return [group(`t${step}`, [1, 0])];
    });
    pipeline.start(2);
    pipeline.start(2);
    const first = pipeline.take(1);
    expect(started).toEqual([2, 1]);
    expect(pipeline.stepsInFlight).toBe(2);
    finish.get(1)?.();
    expect((await first).groups[0]?.[0]?.workflowTask.task.taskId).toBe('t1');
    let settled = false;
    const settling = pipeline.settle().then(() => {
      settled = true;
    });
    await Promise.resolve();
    expect(settled).toBe(false);
    finish.get(2)?.();
    await settling;
    expect((await pipeline.take(2)).groups).toHaveLength(1);
    expect(started).toEqual([2, 1]);
    expect(pipeline.stepsInFlight).toBe(0);
  });

  it('keeps a failed step’s error for take, and an abandoned one raises no unhandled rejection', async () => {
    const pipeline = new RolloutPipeline(async (step) => {
      throw new Error(`step ${step} broke`);
    });
    pipeline.start(7);
    await pipeline.settle();
    await expect(pipeline.take(7)).rejects.toThrow('step 7 broke');
    pipeline.start(8);
    await pipeline.settle();
  });
});

describe('pipelineMetrics', () => {
  const times = { stepSeconds: 4, waitRolloutSeconds: 1, waitSyncSeconds: 0.5, samplerBusySeconds: 3 };

  it('splits the step’s wall time and gives the learner’s and sampler’s idle shares', () => {
    expect(pipelineMetrics({ times, episodesInFlight: 16 })).toEqual({
      'time/step_s': 4,
      'time/wait_rollout_s': 1,
      'time/wait_sync_s': 0.5,
      'time/learner_idle_pct': 37.5,
      'time/sampler_idle_pct': 25,
      'time/episodes_in_flight': 16,
    });
  });

  it('with a staleness bound adds the histogram of updates behind and what the bound dropped', () => {
    const metrics = pipelineMetrics({
      times,
      episodesInFlight: 0,
      staleness: { values: [0, 1, 1, 3], episodesDropped: 1, groupsDropped: 1 },
    });
    expect(metrics).toMatchObject({
      'pipeline/staleness_mean': 1.25,
      'pipeline/staleness/0': 1,
      'pipeline/staleness/1': 2,
      'pipeline/staleness/3': 1,
      'pipeline/stale_episodes_dropped': 1,
      'pipeline/stale_groups_dropped': 1,
    });
    expect(metrics['pipeline/staleness/2']).toBeUndefined();
  });
});
