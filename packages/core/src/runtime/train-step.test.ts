import { fileURLToPath } from 'node:url';
import type { MetricsRecord } from '@ajet/spec';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load-config.ts';
import { group } from './__fixtures__/episode-results.ts';
import type { GroupCollector } from './collect-groups.ts';
import { onErrorPolicy } from './on-error-policy.ts';
import type { Optimiser } from './optimise.ts';
import { RolloutPipeline } from './rollout-pipeline.ts';
import type { EpisodeResult } from './run-episode.ts';
import type { StepWriter } from './step-writer.ts';
import { type TrainStepContext, trainStep } from './train-step.ts';
import { TrainingSchedule } from './training-schedule.ts';

const BASE = fileURLToPath(new URL('../config/__fixtures__/base.yaml', import.meta.url));

/** A step's rollouts that finish when the test says so. */
function deferredRollouts() {
  const started: number[] = [];
  const finish = new Map<number, () => void>();
  const collect = (step: number) =>
    new Promise<EpisodeResult[][]>((resolve) => {
      started.push(step);
      finish.set(step, () => resolve([group(`task-${step}`, [1, 0])]));
    });
  return { started, finish: (step: number) => finish.get(step)?.(), collect };
}

function harness(options: { sets?: string[]; trainable?: boolean; signal?: AbortSignal } = {}) {
  const config = loadConfig({ file: BASE, sets: options.sets ?? [] }).config;
  const written: MetricsRecord[] = [];
  const trajectories: string[] = [];
  const events: string[] = [];
  const learningRates: number[] = [];
  const optimiser = {
    optimise: async (
      _samples: unknown[],
      _ends: number[],
      { learningRate, beforeUpdate }: { learningRate: number; beforeUpdate: () => Promise<void> },
    ) => {
      learningRates.push(learningRate);
      events.push('optimise');
      await beforeUpdate();
      events.push('update');
      return { 'train/loss': 0.5, 'train/policy_version': 8 };
    },
    endStep: () => undefined,
  } as unknown as Optimiser;
  const context: TrainStepContext = {
    config,
    collector: { episodesInFlight: 0 } as GroupCollector,
    writer: {
      writeMetrics: async (record: MetricsRecord) => void written.push(record),
      writeTrajectories: async (name: string) => void trajectories.push(name),
    } as unknown as StepWriter,
    planSettings: {
      onError: onErrorPolicy('skip_group'),
      advEstimator: 'grpo',
      negativeAdvantageScale: 1,
      shuffleAdvantagesSeed: null,
    },
    trainable: options.trainable ?? true,
    optimiser,
    policyVersion: 0,
    signal: options.signal,
  };
  const tasks = Array.from({ length: 8 }, (_, index) => ({ taskId: `t${index}`, mainQuery: 'q', metadata: {} }));
  const schedule = new TrainingSchedule(tasks, config);
  return { context, written, trajectories, events, learningRates, schedule };
}

describe('trainStep', () => {
  it('starts the next step’s rollouts before training and changes the weights only once they have finished', async () => {
    const { context, written, trajectories, events, schedule } = harness({ sets: ['algorithm.max_staleness=1'] });
    const rollouts = deferredRollouts();
    const pipeline = new RolloutPipeline(rollouts.collect);
    const done = trainStep(context, { step: 1, pipeline, aheadUpTo: 10, schedule });
    rollouts.finish(1);
    // Step 2's rollouts start while step 1 trains; the update waits for them.
    await expect.poll(() => events).toEqual(['optimise']);
    expect(rollouts.started).toEqual([1, 2]);
    rollouts.finish(2);
    const { record, policyVersion } = await done;
    expect(events).toEqual(['optimise', 'update']);
    expect(policyVersion).toBe(8);
    expect(written).toEqual([record]);
    expect(record).toMatchObject({ step: 1, phase: 'train' });
    expect(record.metrics['train/loss']).toBe(0.5);
    expect(record.metrics['pipeline/staleness_mean']).toBe(0);
    expect(trajectories).toEqual(['step-1']);
  });

  it('samples nothing ahead at max_staleness 0 or past the next checkpoint', async () => {
    for (const [sets, aheadUpTo] of [
      [['algorithm.max_staleness=0'], 10] as const,
      [['algorithm.max_staleness=2'], 1] as const,
    ]) {
      const { context, schedule } = harness({ sets: [...sets] });
      const rollouts = deferredRollouts();
      const done = trainStep(context, {
        step: 1,
        pipeline: new RolloutPipeline(rollouts.collect),
        aheadUpTo,
        schedule,
      });
      rollouts.finish(1);
      await done;
      expect(rollouts.started).toEqual([1]);
    }
  });

  it('trains each step at its scheduled learning rate, the run’s length taken from the schedule', async () => {
    const { context, written, learningRates, schedule } = harness({
      sets: [
        'data.train_batch_size=2',
        'trainer_common.total_training_steps=3',
        'trainer_common.optim.lr=1',
        'trainer_common.optim.lr_schedule=linear',
      ],
    });
    const rollouts = deferredRollouts();
    const pipeline = new RolloutPipeline(rollouts.collect);
    for (const step of [1, 2, 3]) {
      const done = trainStep(context, { step, pipeline, aheadUpTo: 10, schedule });
      rollouts.finish(step);
      await done;
    }
    expect(learningRates).toEqual([1, 0.5, 0]);
    expect(written.map((record) => record.metrics['train/lr'])).toEqual([1, 0.5, 0]);
  });

  it('writes the step without training when the policy cannot train, keeping the weights version', async () => {
    const { context, written, events, schedule } = harness({ trainable: false });
    const rollouts = deferredRollouts();
    const done = trainStep(context, {
      step: 3,
      pipeline: new RolloutPipeline(rollouts.collect),
      aheadUpTo: 10,
      schedule,
    });
    rollouts.finish(3);
    const { policyVersion } = await done;
    expect(events).toEqual([]);
    expect(policyVersion).toBe(0);
    expect(written.map(({ step }) => step)).toEqual([3]);
    expect(written[0]?.metrics).not.toHaveProperty('train/lr');
  });

  it('abandons a step whose rollouts a stop cut short: nothing is written or trained', async () => {
    const controller = new AbortController();
    const { context, written, trajectories, events, schedule } = harness({ signal: controller.signal });
    const rollouts = deferredRollouts();
    const done = trainStep(context, {
      step: 1,
      pipeline: new RolloutPipeline(rollouts.collect),
      aheadUpTo: 10,
      schedule,
    });
    controller.abort(new Error('stop'));
    rollouts.finish(1);
    await expect(done).rejects.toThrow('stop');
    expect([written, trajectories, events]).toEqual([[], [], []]);
  });
});
