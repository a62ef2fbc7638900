import { AjetError, deriveSeed, seededShuffle, type TrainingSample } from '@ajet/spec';
import type { AjetConfig } from '../config/schema.ts';
import { type AdvantageEstimator, groupAdvantages } from './advantages.ts';
import { type OnErrorPolicy, onErrorPolicy } from './on-error-policy.ts';
import type { EpisodeResult } from './run-episode.ts';

/** An episode as the step planned it: its advantage and whether any of its sequences went to the optimiser. */
export interface PlannedEpisode {
  result: EpisodeResult;
  advantage: number;
  trained: boolean;
}

export interface BatchPlan {
  /** Token-level samples for the optimiser, group after group. */
  samples: TrainingSample[];
  /** Where each trained group's samples end in `samples`, for mini-batches of whole groups. */
  groupEnds: number[];
  /** Every group in rollout order, for the trajectory files. */
  groups: PlannedEpisode[][];
  groupsSkipped: number;
  groupsFailed: number;
  groupsTrained: number;
  groupsDropped: number;
  /** Groups not trained because an episode was sampled more than `maxStaleness` updates ago. */
  groupsStale: number;
  /** Episodes sampled more than `maxStaleness` updates ago (their groups do not train). */
  episodesStale: number;
  /** How many updates behind the learner each episode's oldest call was sampled; episodes without calls left out. */
  staleness: number[];
  /** Why the run stops after this step's trajectories are written: a backend that failed every episode, or on_error. */
  stopError?: AjetError;
}

export interface PlanSettings {
  onError: OnErrorPolicy;
  advEstimator: AdvantageEstimator;
  negativeAdvantageScale: number;
  /** `algorithm.shuffle_advantages` (a control run): each group's advantages shuffled, seeded by this; null: off. */
  shuffleAdvantagesSeed: number | null;
}

export function planSettingsOf(config: AjetConfig): PlanSettings {
  const { algorithm } = config;
  return {
    onError: onErrorPolicy(config.rollout.onError),
    advEstimator: algorithm.advEstimator,
    negativeAdvantageScale: algorithm.negativeAdvantageScale,
    shuffleAdvantagesSeed: algorithm.shuffleAdvantages ? config.seed : null,
  };
}

/** The oldest weights version an episode sampled with (its calls'), or undefined when it made no call. */
export function episodePolicyVersion(result: EpisodeResult): number | undefined {
  const versions = result.trajectory.calls.map((call) => call.policyVersion);
  return versions.length === 0 ? undefined : Math.min(...versions);
}

/** Whether a group can teach anything: no failure the policy drops it for, and rewards that differ. */
export function isInformative(
  group: readonly EpisodeResult[],
  settings: Pick<PlanSettings, 'onError' | 'advEstimator'>,
): boolean {
  return (
    (settings.onError.trainsFailedGroups || group.every((result) => !result.error)) &&
    !groupAdvantages(
      group.map((result) => result.reward),
      settings.advEstimator,
    ).skipped
  );
}

const untrained = (group: readonly EpisodeResult[]): PlannedEpisode[] =>
  group.map((result) => ({ result, advantage: 0, trained: false }));

/**
 * Plans one training step from its rollout groups (pure): which groups train, each episode's group advantage, and
 * the samples (the sequences with any loss-masked token) the optimiser gets.
 */
export function planBatch(options: {
  step: number;
  groups: readonly (readonly EpisodeResult[])[];
  settings: PlanSettings;
  /** Dynamic sampling (filter_groups) trains at most this many groups, the rest only log; null: no cap. */
  maxTrainedGroups: number | null;
  /**
   * The learner's weights version now and the bound: a group with an episode sampled more than `maxStaleness`
   * versions ago does not train (partial groups never do). Absent: no bound, no staleness counted.
   */
  staleness?: { policyVersion: number; maxStaleness: number };
}): BatchPlan {
  const { groups, settings, maxTrainedGroups, staleness } = options;
  const plan: BatchPlan = {
    samples: [],
    groupEnds: [],
    groups: [],
    groupsSkipped: 0,
    groupsFailed: 0,
    groupsTrained: 0,
    groupsDropped: 0,
    groupsStale: 0,
    episodesStale: 0,
    staleness: [],
  };
  let firstFailed: EpisodeResult | undefined;
  for (const [groupIndex, group] of groups.entries()) {
    let stale = 0;
    for (const result of group) {
      const version = episodePolicyVersion(result);
      if (!staleness || version === undefined) continue;
      plan.staleness.push(staleness.policyVersion - version);
      if (staleness.policyVersion - version > staleness.maxStaleness) stale += 1;
    }
    if (stale > 0) {
      plan.episodesStale += stale;
      plan.groupsStale += 1;
      plan.groups.push(untrained(group));
      continue;
    }
    const failed = group.find((result) => result.error);
    if (failed && !settings.onError.trainsFailedGroups) {
      firstFailed ??= failed;
      plan.groupsFailed += 1;
      plan.groups.push(untrained(group));
      continue;
    }
    const { advantages: computed, skipped } = groupAdvantages(
      group.map((result) => result.reward),
      settings.advEstimator,
      settings.negativeAdvantageScale,
    );
    const advantages =
      settings.shuffleAdvantagesSeed === null
        ? computed
        : seededShuffle(
            computed,
            deriveSeed(settings.shuffleAdvantagesSeed, 'shuffle_advantages', options.step, groupIndex),
          );
    if (skipped) plan.groupsSkipped += 1;
    if (!skipped && maxTrainedGroups !== null && plan.groupsTrained >= maxTrainedGroups) {
      plan.groupsDropped += 1;
      plan.groups.push(untrained(group));
      continue;
    }
    if (!skipped) plan.groupsTrained += 1;
    plan.groups.push(
      group.map((result, index) => {
        const advantage = advantages[index] ?? 0;
        const trainedSequences = skipped
          ? []
          : result.trajectory.sequences.filter((sequence) => sequence.lossMask.some((mask) => mask === 1));
        for (const sequence of trainedSequences) {
          plan.samples.push({
            tokenIds: sequence.tokenIds,
            lossMask: sequence.lossMask,
            samplerLogprobs: sequence.logprobs,
            advantage,
          });
        }
        return { result, advantage, trained: trainedSequences.length > 0 };
      }),
    );
    if (plan.samples.length > (plan.groupEnds.at(-1) ?? 0)) plan.groupEnds.push(plan.samples.length);
  }
  const stopError =
    backendFailure(options.step, groups.flat()) ?? (firstFailed && settings.onError.stopError(firstFailed));
  if (stopError) plan.stopError = stopError;
  return plan;
}

/** A backend that is gone fails every episode: the run stops with its error rather than run empty steps. */
function backendFailure(step: number, episodes: readonly EpisodeResult[]): AjetError | undefined {
  if (!episodes.every((result) => result.error)) return undefined;
  const failure = episodes.find((result) => result.error?.kind === 'backbone')?.error;
  if (!failure) return undefined;
  return new AjetError(`Every episode of step ${step} failed; the backend: ${failure.message}`, {
    code: 'BACKEND_FAILED',
    blame: 'system',
    hint: 'Nothing of this step trained; the experiment folder keeps the steps before it (resume with --resume).',
  });
}
