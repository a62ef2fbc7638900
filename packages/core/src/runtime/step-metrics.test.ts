import { describe, expect, it } from 'vitest';
import { episodeResult, group } from './__fixtures__/episode-results.ts';
import { onErrorPolicy } from './on-error-policy.ts';
import { planBatch } from './plan-batch.ts';
import { evalMetrics, evalSummary, mean, std, stepMetrics } from './step-metrics.ts';

const settings = {
  onError: onErrorPolicy('skip_group'),
  advEstimator: 'grpo',
  negativeAdvantageScale: 1,
  shuffleAdvantagesSeed: null,
} as const;

describe('stepMetrics', () => {
  const masked = { tokenIds: [1, 2, 3, 4, 5], lossMask: [0, 1, 1, 0, 1], logprobs: [0, -1, -1, 0, -1] };
  const groups = [
    [
      episodeResult({ taskId: 'a', repeatIndex: 0, reward: 1, sequences: [masked], logMetrics: { turns: 2 } }),
      episodeResult({ taskId: 'a', repeatIndex: 1, reward: 0, logMetrics: { turns: 4, bad: Number.NaN } }),
    ],
    group('same', [1, 1]),
    group('broken', [0, 0], { 1: 'timeout' }),
  ];
  const plan = planBatch({ step: 1, groups, settings, maxTrainedGroups: null });

  it('counts rewards, episodes, groups and tokens, in the order the metrics file has always had', () => {
    const metrics = stepMetrics({
      groups,
      plan,
      filterGroups: false,
      rolloutSeconds: 2,
      trainSeconds: 0.5,
      trainMetrics: { 'train/loss': 0.25 },
    });
    const rewards = [1, 0, 1, 1, 0, 0];
    expect(Object.keys(metrics)).toEqual([
      'reward/mean',
      'reward/std',
      'success_rate',
      'episodes/total',
      'episodes/failed',
      'groups/total',
      'groups/skipped',
      'groups/failed',
      'groups/trained',
      'tokens/sampled',
      'tokens/trained',
      'tokens/sequence_mean',
      'time/rollout_s',
      'time/train_s',
      'time/step_s',
      'train/loss',
      'workflow/turns',
    ]);
    expect(metrics).toEqual({
      'reward/mean': 0.5,
      'reward/std': 0.5,
      success_rate: 0.5,
      'episodes/total': 6,
      'episodes/failed': 1,
      'groups/total': 3,
      'groups/skipped': 1,
      'groups/failed': 1,
      'groups/trained': 1,
      // Completion tokens of every episode: 3 in `masked`, 2 in each of the five default sequences.
      'tokens/sampled': 13,
      // Trained: `masked` (3 tokens) and the second episode's default sequence (2 tokens).
      'tokens/trained': 5,
      'tokens/sequence_mean': 4.5,
      'time/rollout_s': 2,
      'time/train_s': 0.5,
      'time/step_s': 2.5,
      'train/loss': 0.25,
      // The mean over the episodes that logged it; non-finite values (`bad`) are left out.
      'workflow/turns': (2 + 4) / 2,
    });
    expect(mean(rewards)).toBe(metrics['reward/mean']);
  });

  it('reports dropped groups only under filter_groups', () => {
    const without = stepMetrics({
      groups,
      plan,
      filterGroups: false,
      rolloutSeconds: 0,
      trainSeconds: 0,
      trainMetrics: {},
    });
    const withFilter = stepMetrics({
      groups,
      plan,
      filterGroups: true,
      rolloutSeconds: 0,
      trainSeconds: 0,
      trainMetrics: {},
    });
    expect(without).not.toHaveProperty('groups/dropped');
    expect(withFilter['groups/dropped']).toBe(0);
    expect(Object.keys(withFilter).indexOf('groups/dropped')).toBe(
      Object.keys(withFilter).indexOf('groups/trained') + 1,
    );
  });

  it('gives zeros, not NaN, for a step with no samples', () => {
    const empty = planBatch({ step: 1, groups: [], settings, maxTrainedGroups: null });
    const metrics = stepMetrics({
      groups: [],
      plan: empty,
      filterGroups: false,
      rolloutSeconds: 0,
      trainSeconds: 0,
      trainMetrics: {},
    });
    expect(Object.values(metrics).every((value) => value === 0)).toBe(true);
  });
});

describe('mean and std', () => {
  it('use the population standard deviation and are 0 for too few values', () => {
    expect(std([1, 0])).toBe(0.5);
    expect(std([3])).toBe(0);
    expect(mean([])).toBe(0);
  });
});

describe('evalSummary and evalMetrics', () => {
  it('gives pass@1 over episodes and pass@k over tasks, named by phase', () => {
    const groups = [group('a', [0, 1]), group('b', [0, 0], { 0: 'workflow' }), group('c', [1, 1])];
    const summary = evalSummary(groups, 2);
    expect(summary).toEqual({ 'pass@1': 0.5, 'pass@k': 2 / 3, n: 3, k: 2, reward_mean: 0.5, episodes_failed: 1 });
    expect(evalMetrics('eval', summary)).toEqual({
      'eval/pass@1': 0.5,
      'eval/pass@k': 2 / 3,
      'eval/k': 2,
      'eval/n': 3,
      'eval/reward_mean': 0.5,
      'eval/episodes_failed': 1,
    });
  });
});
