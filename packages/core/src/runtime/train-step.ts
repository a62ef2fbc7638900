import type { MetricsRecord } from '@ajet/spec';
import type { AjetConfig } from '../config/schema.ts';
import type { GroupCollector } from './collect-groups.ts';
import { learningRateAt } from './learning-rate.ts';
import type { Optimiser } from './optimise.ts';
import { type PlanSettings, planBatch } from './plan-batch.ts';
import { pipelineMetrics, type RolloutPipeline } from './rollout-pipeline.ts';
import type { RunObserver } from './run-observer.ts';
import { stepMetrics } from './step-metrics.ts';
import type { StepWriter } from './step-writer.ts';
import type { TrainingSchedule } from './training-schedule.ts';

/** What a training step reads of its run (the Trainer's stages and state). */
export interface TrainStepContext {
  config: AjetConfig;
  collector: GroupCollector;
  writer: StepWriter;
  planSettings: PlanSettings;
  trainable: boolean;
  optimiser: Optimiser | undefined;
  /** The weights version the learner trains now (the backbone's count of applied updates). */
  policyVersion: number;
  observer?: RunObserver;
  signal?: AbortSignal;
}

/**
 * One training step: its rollouts (maybe sampled ahead), then, with `algorithm.max_staleness` k > 0, the
 * rollouts of up to k later steps started on the current weights while this one trains; the weights change only
 * once those have finished, so every step's rollouts see one weights version and a run is repeatable. Nothing is
 * sampled ahead past `aheadUpTo` (the next checkpoint), so what a checkpoint holds is all a resume needs.
 * Returns the step's metrics record (already written) and the weights version after it.
 */
export async function trainStep(
  context: TrainStepContext,
  options: { step: number; pipeline: RolloutPipeline; aheadUpTo: number; schedule: TrainingSchedule },
): Promise<{ record: MetricsRecord; policyVersion: number }> {
  const { config, collector, writer, optimiser, observer } = context;
  const { step, pipeline, schedule } = options;
  const maxStaleness = config.algorithm.maxStaleness;
  const stepStarted = performance.now();
  const busyBefore = pipeline.samplerBusySeconds();
  const { groups, rolloutSeconds } = await pipeline.take(step);
  const waitRolloutSeconds = (performance.now() - stepStarted) / 1000;
  // Episodes cut short by a stop are not data: abandon the step rather than train on them.
  context.signal?.throwIfAborted();
  for (let ahead = step + 1; ahead <= Math.min(step + maxStaleness, options.aheadUpTo); ahead++) pipeline.start(ahead);
  // Dynamic sampling trains at most a batch of groups; the rest of the last draw only logs.
  const maxTrainedGroups = config.algorithm.filterGroups ? schedule.batchAfter(step - 1).length : null;
  let policyVersion = context.policyVersion;
  const staleness = maxStaleness > 0 && context.trainable ? { policyVersion, maxStaleness } : undefined;
  const plan = planBatch({ step, groups, settings: context.planSettings, maxTrainedGroups, staleness });
  await writer.writeTrajectories(`step-${step}`, step, plan.groups);
  if (plan.stopError) throw plan.stopError;

  let trainMetrics: Record<string, number> = {};
  let waitSyncSeconds = 0;
  const episodesInFlight = collector.episodesInFlight;
  const trainStarted = performance.now();
  const learning = context.trainable && optimiser !== undefined;
  // Logged on every step of a run that learns, trained or not, so the schedule reads as one curve.
  const learningRate = learningRateAt({ step, totalSteps: schedule.totalSteps, optim: config.trainerCommon.optim });
  if (learning && plan.samples.length > 0) {
    observer?.onPhase?.({ phase: 'train', step, episodes: plan.samples.length });
    const beforeUpdate = async () => {
      const waitStarted = performance.now();
      await pipeline.settle();
      waitSyncSeconds += (performance.now() - waitStarted) / 1000;
    };
    trainMetrics = await optimiser.optimise(plan.samples, plan.groupEnds, { learningRate, step, beforeUpdate });
    policyVersion = trainMetrics['train/policy_version'] ?? policyVersion;
  }
  if (learning) trainMetrics = { ...trainMetrics, 'train/lr': learningRate };
  const trainSeconds = (performance.now() - trainStarted) / 1000 - waitSyncSeconds;
  const filterGroups = config.algorithm.filterGroups;
  const metrics = {
    ...stepMetrics({ groups, plan, filterGroups, rolloutSeconds, trainSeconds, trainMetrics }),
    // The step's wall time as the learner lived it (time/step_s), replacing rollout + train, which overlap.
    ...pipelineMetrics({
      times: {
        stepSeconds: (performance.now() - stepStarted) / 1000,
        waitRolloutSeconds,
        waitSyncSeconds,
        samplerBusySeconds: pipeline.samplerBusySeconds() - busyBefore,
      },
      episodesInFlight,
      staleness: staleness && {
        values: plan.staleness,
        episodesDropped: plan.episodesStale,
        groupsDropped: plan.groupsStale,
      },
    }),
  };
  const record: MetricsRecord = { step, phase: 'train', metrics, time: Date.now() };
  await writer.writeMetrics(record);
  const warning = optimiser?.endStep(step, trainMetrics);
  if (warning) observer?.onWarning?.(warning);
  return { record, policyVersion };
}
