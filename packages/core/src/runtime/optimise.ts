import type { Backbone, LossSpec, TrainingSample } from '@ajet/spec';
import type { AjetConfig } from '../config/schema.ts';
import type { DemonstrationMix } from './demonstrations.ts';
import { isSkippedUpdate, NonFiniteUpdateGuard } from './non-finite-updates.ts';

/** The loss the backbone computes, from `algorithm`. */
export function lossSpecOf(algorithm: AjetConfig['algorithm']): LossSpec {
  const kl = algorithm.klBeta > 0 ? { beta: algorithm.klBeta, estimator: 'k3' as const } : undefined;
  switch (algorithm.loss) {
    case 'cross_entropy':
      return { type: 'cross_entropy', aggregation: algorithm.lossAggregation };
    case 'importance_sampling':
      return { type: 'importance_sampling', kl, aggregation: algorithm.lossAggregation };
    case 'ppo':
      return {
        type: 'ppo',
        clipLow: algorithm.clipLow,
        clipHigh: algorithm.clipHigh,
        dualClip: algorithm.dualClip ?? undefined,
        kl,
        aggregation: algorithm.lossAggregation,
      };
    default: {
      const exhaustive: never = algorithm.loss;
      return exhaustive;
    }
  }
}

/**
 * The optimise stage: `ppo_epochs` passes of forward-backward + optimiser step over mini-batches of whole groups,
 * skipping non-finite updates and warning when too many come in a row. One instance per run (the guard's count
 * spans steps).
 */
export class Optimiser {
  private readonly backbone: Backbone;
  private readonly config: AjetConfig;
  private readonly nonFiniteGuard: NonFiniteUpdateGuard;
  private readonly demonstrations: DemonstrationMix | undefined;

  constructor(options: { backbone: Backbone; config: AjetConfig; demonstrations?: DemonstrationMix }) {
    this.backbone = options.backbone;
    this.config = options.config;
    this.demonstrations = options.demonstrations;
    this.nonFiniteGuard = new NonFiniteUpdateGuard(options.config.trainerCommon.maxNonfiniteStepsInRow);
  }

  /**
   * Trains on `samples` (`groupEnds`: where each group's samples end) at `learningRate` (the step's, from
   * learning-rate.ts: every update of a step uses it); returns the `train/*` metrics. `beforeUpdate` is awaited
   * before each optimiser step (the pipeline lets rollouts sampled ahead finish on the old weights). With
   * `algorithm.ptx`, each update also accumulates the demonstrations' loss (`train/ptx_loss`).
   */
  async optimise(
    samples: readonly TrainingSample[],
    groupEnds: readonly number[],
    options: { learningRate: number; step: number; beforeUpdate?: () => Promise<void> },
  ): Promise<Record<string, number>> {
    const { learningRate, step, beforeUpdate } = options;
    const { algorithm, trainerCommon, rollout } = this.config;
    const { optim } = trainerCommon;
    const loss = lossSpecOf(algorithm);
    const trainMetrics: Record<string, number> = {};
    const miniBatches = miniBatchesOf(samples, groupEnds, algorithm.ppoMiniBatchSize);
    trainMetrics['train/skipped_nonfinite_updates'] = 0;
    for (let epoch = 0; epoch < algorithm.ppoEpochs; epoch++) {
      const sums: Record<string, number> = {};
      let applied = 0;
      for (const [index, miniBatch] of miniBatches.entries()) {
        const result = await this.backbone.forwardBackward({
          samples: miniBatch,
          loss,
          temperature: rollout.temperature > 0 ? rollout.temperature : 1,
        });
        const ptx = await this.demonstrations?.accumulate({ step, update: epoch * miniBatches.length + index });
        await beforeUpdate?.();
        const update = await this.backbone.optimStep({
          learningRate,
          beta1: optim.beta1,
          beta2: optim.beta2,
          eps: optim.eps,
          weightDecay: optim.weightDecay,
          maxGradNorm: optim.maxGradNorm,
        });
        trainMetrics['train/policy_version'] = update.policyVersion;
        if (isSkippedUpdate({ loss: result.loss, gradNorm: update.gradNorm })) {
          trainMetrics['train/skipped_nonfinite_updates'] += 1;
          continue;
        }
        applied += 1;
        for (const [name, value] of Object.entries({
          loss: result.loss,
          grad_norm: update.gradNorm,
          ...result.metrics,
          ...ptx,
        }))
          sums[name] = (sums[name] ?? 0) + value;
      }
      // The last pass's mean over its applied mini-batches.
      for (const [name, sum] of Object.entries(sums)) trainMetrics[`train/${name}`] = sum / applied;
      if (miniBatches.length > 1) trainMetrics['train/mini_batches'] = miniBatches.length;
    }
    return trainMetrics;
  }

  /** After the step's metrics are written: the warning when non-finite updates run too long, if any. */
  endStep(step: number, trainMetrics: Readonly<Record<string, number>>): string | undefined {
    const skipped = trainMetrics['train/skipped_nonfinite_updates'];
    if (skipped === undefined) return undefined;
    const updates = (trainMetrics['train/mini_batches'] ?? 1) * this.config.algorithm.ppoEpochs;
    return this.nonFiniteGuard.endStep({ step, skipped, updates });
  }
}

/**
 * Splits a step's samples into mini-batches of `groupsPerBatch` whole GRPO groups (`groupEnds`: where each group's
 * samples end), in order; the last may hold fewer. `null` keeps the whole batch as one.
 */
export function miniBatchesOf<Sample>(
  samples: readonly Sample[],
  groupEnds: readonly number[],
  groupsPerBatch: number | null,
): Sample[][] {
  if (samples.length === 0) return [];
  if (groupsPerBatch === null || groupsPerBatch >= groupEnds.length) return [[...samples]];
  const batches: Sample[][] = [];
  for (let first = 0; first < groupEnds.length; first += groupsPerBatch) {
    const start = first === 0 ? 0 : (groupEnds[first - 1] as number);
    const end = groupEnds[Math.min(first + groupsPerBatch, groupEnds.length) - 1] as number;
    batches.push(samples.slice(start, end));
  }
  return batches;
}
