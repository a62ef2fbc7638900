import type { BatchPlan } from './plan-batch.ts';
import type { EpisodeResult } from './run-episode.ts';

export interface EvalSummary {
  'pass@1': number;
  'pass@k': number;
  n: number;
  k: number;
  reward_mean: number;
  episodes_failed: number;
}

export function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((sum, value) => sum + value, 0) / values.length;
}

/** The population standard deviation (0 below two values). */
export function std(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const average = mean(values);
  return Math.sqrt(values.reduce((sum, value) => sum + (value - average) ** 2, 0) / values.length);
}

const sum = (values: readonly number[]) => values.reduce((total, value) => total + value, 0);

/**
 * A training step's metrics (pure): rewards, episode and group counts, tokens, times, the optimiser's `train/*`
 * metrics, and the mean of each finite `workflow/*` metric the episodes logged.
 */
export function stepMetrics(options: {
  groups: readonly (readonly EpisodeResult[])[];
  plan: BatchPlan;
  filterGroups: boolean;
  rolloutSeconds: number;
  trainSeconds: number;
  trainMetrics: Readonly<Record<string, number>>;
}): Record<string, number> {
  const { groups, plan } = options;
  const episodes = groups.flat();
  const rewards = episodes.map((result) => result.reward);
  const workflowMetrics = new Map<string, number[]>();
  for (const result of episodes) {
    for (const [name, value] of Object.entries(result.output?.logMetrics ?? {})) {
      if (Number.isFinite(value)) workflowMetrics.set(name, [...(workflowMetrics.get(name) ?? []), value]);
    }
  }
  const metrics: Record<string, number> = {
    'reward/mean': mean(rewards),
    'reward/std': std(rewards),
    success_rate: mean(episodes.map((result) => (result.isSuccess ? 1 : 0))),
    'episodes/total': episodes.length,
    'episodes/failed': episodes.filter((result) => result.error).length,
    'groups/total': groups.length,
    'groups/skipped': plan.groupsSkipped,
    'groups/failed': plan.groupsFailed,
    'groups/trained': plan.groupsTrained,
    ...(options.filterGroups ? { 'groups/dropped': plan.groupsDropped } : {}),
    'tokens/sampled': sum(
      episodes.flatMap((result) => result.trajectory.calls.map((call) => call.completionIds.length)),
    ),
    'tokens/trained': sum(plan.samples.map((sample) => sum(sample.lossMask))),
    'tokens/sequence_mean': mean(plan.samples.map((sample) => sample.tokenIds.length)),
    'time/rollout_s': options.rolloutSeconds,
    'time/train_s': options.trainSeconds,
    'time/step_s': options.rolloutSeconds + options.trainSeconds,
    ...options.trainMetrics,
  };
  for (const [name, values] of workflowMetrics) metrics[`workflow/${name}`] = mean(values);
  return metrics;
}

/** pass@1 over every episode, pass@k over the groups (tasks) with k episodes each (pure). */
export function evalSummary(groups: readonly (readonly EpisodeResult[])[], k: number): EvalSummary {
  const episodes = groups.flat();
  return {
    'pass@1': mean(episodes.map((result) => (result.isSuccess ? 1 : 0))),
    'pass@k': mean(groups.map((group) => (group.some((result) => result.isSuccess) ? 1 : 0))),
    n: groups.length,
    k,
    reward_mean: mean(episodes.map((result) => result.reward)),
    episodes_failed: episodes.filter((result) => result.error).length,
  };
}

/** The metrics a validation (`val`) or evaluation (`eval`) writes for its summary. */
export function evalMetrics(phase: 'val' | 'eval', summary: EvalSummary): Record<string, number> {
  return {
    [`${phase}/pass@1`]: summary['pass@1'],
    [`${phase}/pass@k`]: summary['pass@k'],
    [`${phase}/k`]: summary.k,
    [`${phase}/n`]: summary.n,
    [`${phase}/reward_mean`]: summary.reward_mean,
    [`${phase}/episodes_failed`]: summary.episodes_failed,
  };
}
