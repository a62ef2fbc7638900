import { isAjetError } from '@ajet/spec';
import { describe, expect, it } from 'vitest';
import { ajetSchema } from '../config/schema.ts';
import { episodeResult, group } from './__fixtures__/episode-results.ts';
import { onErrorPolicy } from './on-error-policy.ts';
import { isInformative, type PlanSettings, planBatch, planSettingsOf } from './plan-batch.ts';

const settings = (overrides: Partial<PlanSettings> = {}): PlanSettings => ({
  onError: onErrorPolicy('skip_group'),
  advEstimator: 'grpo',
  negativeAdvantageScale: 1,
  shuffleAdvantagesSeed: null,
  ...overrides,
});

describe('planBatch', () => {
  it('turns each loss-masked sequence of a group with differing rewards into a sample with its advantage', () => {
    const masked = { tokenIds: [5, 6, 7], lossMask: [0, 1, 1], logprobs: [0, -0.1, -0.2] };
    const promptOnly = { tokenIds: [8, 9], lossMask: [0, 0], logprobs: [0, 0] };
    const groups = [
      [
        episodeResult({ taskId: 'a', repeatIndex: 0, reward: 1, sequences: [masked, promptOnly, masked] }),
        episodeResult({ taskId: 'a', repeatIndex: 1, reward: 0, sequences: [promptOnly] }),
      ],
    ];
    const plan = planBatch({ step: 1, groups, settings: settings(), maxTrainedGroups: null });
    // grpo with two rewards 1, 0: mean 0.5, unbiased std √0.5.
    const advantage = 0.5 / (Math.sqrt(0.5) + 1e-6);
    expect(plan.samples).toEqual([
      { tokenIds: [5, 6, 7], lossMask: [0, 1, 1], samplerLogprobs: [0, -0.1, -0.2], advantage },
      { tokenIds: [5, 6, 7], lossMask: [0, 1, 1], samplerLogprobs: [0, -0.1, -0.2], advantage },
    ]);
    expect(plan.groupEnds).toEqual([2]);
    expect(plan.groups[0]?.map(({ advantage, trained }) => ({ advantage, trained }))).toEqual([
      { advantage, trained: true },
      { advantage: -advantage, trained: false },
    ]);
    expect(plan).toMatchObject({ groupsTrained: 1, groupsSkipped: 0, groupsFailed: 0, groupsDropped: 0 });
    expect(plan.stopError).toBeUndefined();
  });

  it('drops a whole group with an episode sampled past max_staleness, counts it, and trains the fresh ones', () => {
    const sampledAt = (episodes: ReturnType<typeof group>, versions: readonly number[][]) =>
      episodes.map((result, index) => ({
        ...result,
        trajectory: {
          ...result.trajectory,
          calls: (versions[index] ?? []).map((policyVersion) => ({
            ...(result.trajectory.calls[0] as (typeof result.trajectory.calls)[number]),
            policyVersion,
          })),
        },
      }));
    const groups = [
      // One episode's first turn came from version 5: 2 updates behind version 7, past a bound of 1.
      sampledAt(group('old', [1, 0, 1]), [[6], [5, 6], [6]]),
      sampledAt(group('fresh', [1, 0]), [[6], [7]]),
      // An episode that made no call (it failed before sampling) has no version: it is not stale.
      sampledAt(group('none', [1, 0]), [[], [6]]),
    ];
    const staleness = { policyVersion: 7, maxStaleness: 1 };
    const plan = planBatch({ step: 8, groups, settings: settings(), maxTrainedGroups: null, staleness });
    expect(plan).toMatchObject({ groupsStale: 1, episodesStale: 1, groupsTrained: 2 });
    expect(plan.groups[0]?.every((episode) => !episode.trained && episode.advantage === 0)).toBe(true);
    expect(plan.staleness).toEqual([1, 2, 1, 1, 0, 1]);
    expect(plan.groupEnds).toHaveLength(2);
    // Without a bound (the synchronous loop) nothing is dropped or counted.
    const unbounded = planBatch({ step: 8, groups, settings: settings(), maxTrainedGroups: null });
    expect(unbounded).toMatchObject({ groupsStale: 0, episodesStale: 0, groupsTrained: 3, staleness: [] });
  });

  it('skips a group whose rewards are equal: no samples, no group end, every advantage 0', () => {
    const plan = planBatch({
      step: 1,
      groups: [group('same', [1, 1, 1]), group('mixed', [1, 0])],
      settings: settings(),
      maxTrainedGroups: null,
    });
    expect(plan.groupsSkipped).toBe(1);
    expect(plan.groupsTrained).toBe(1);
    expect(plan.groups[0]?.every(({ advantage, trained }) => advantage === 0 && !trained)).toBe(true);
    expect(plan.samples).toHaveLength(2);
    expect(plan.groupEnds).toEqual([2]);
  });

  it('marks where each trained group ends in the samples, for mini-batches of whole groups', () => {
    const plan = planBatch({
      step: 1,
      groups: [group('a', [1, 0, 0]), group('b', [1, 1]), group('c', [0, 1])],
      settings: settings(),
      maxTrainedGroups: null,
    });
    expect(plan.groupEnds).toEqual([3, 5]);
    expect(plan.samples.map((sample) => Math.sign(sample.advantage))).toEqual([1, -1, -1, -1, 1]);
  });

  it('wires the estimator and the negative-advantage scale through to the samples', () => {
    const rewards = [1, 0, 0, 0];
    const drGrpo = planBatch({
      step: 1,
      groups: [group('a', rewards)],
      settings: settings({ advEstimator: 'dr_grpo' }),
      maxTrainedGroups: null,
    });
    expect(drGrpo.samples.map((sample) => sample.advantage)).toEqual([0.75, -0.25, -0.25, -0.25]);
    const onlyBetter = planBatch({
      step: 1,
      groups: [group('a', rewards)],
      settings: settings({ advEstimator: 'dr_grpo', negativeAdvantageScale: 0 }),
      maxTrainedGroups: null,
    });
    expect(onlyBetter.samples.map((sample) => sample.advantage)).toEqual([0.75, 0, 0, 0]);
  });

  it('shuffle_advantages deals each group its own advantages in another order, the same for the same seed and step', () => {
    const rewards = [1, 0.5, 0, 0.75, 0.25, 0.1, 0.9, 0.6]; // all different, so two orders never read alike
    const groups = [group('a', rewards), group('b', rewards), group('c', [1, 1, 1, 1])];
    const advantagesOf = (plan: ReturnType<typeof planBatch>) =>
      plan.groups.map((planned) => planned.map((episode) => episode.advantage));
    const plain = advantagesOf(planBatch({ step: 2, groups, settings: settings(), maxTrainedGroups: null }));
    const shuffled = (seed: number, step: number) =>
      advantagesOf(
        planBatch({ step, groups, settings: settings({ shuffleAdvantagesSeed: seed }), maxTrainedGroups: null }),
      );
    const control = shuffled(42, 2);
    const sorted = (values: readonly number[] | undefined) => [...(values ?? [])].sort((a, b) => a - b);
    for (const index of [0, 1]) {
      // The same advantages, so the update's size is unchanged; who gets which is no longer the reward's doing.
      expect(sorted(control[index])).toEqual(sorted(plain[index]));
      expect(control[index]).not.toEqual(plain[index]);
    }
    expect(control[0]).not.toEqual(control[1]);
    expect(control[2]).toEqual([0, 0, 0, 0]);
    expect(shuffled(42, 2)).toEqual(control);
    expect(shuffled(42, 3)).not.toEqual(control);
    expect(shuffled(7, 2)).not.toEqual(control);
  });

  it("reads shuffle_advantages from the config, seeded by the run's seed", () => {
    expect(planSettingsOf(ajetSchema.parse({})).shuffleAdvantagesSeed).toBeNull();
    const config = ajetSchema.parse({ seed: 7, algorithm: { shuffle_advantages: true } });
    expect(planSettingsOf(config).shuffleAdvantagesSeed).toBe(7);
  });

  it('with a cap (filter_groups) trains that many informative groups and drops the rest; skipped ones do not count', () => {
    const plan = planBatch({
      step: 1,
      groups: [group('a', [1, 0]), group('same', [0, 0]), group('b', [0, 1]), group('c', [1, 0])],
      settings: settings(),
      maxTrainedGroups: 2,
    });
    expect(plan).toMatchObject({ groupsTrained: 2, groupsSkipped: 1, groupsDropped: 1 });
    expect(plan.groups[3]?.map(({ advantage, trained }) => ({ advantage, trained }))).toEqual([
      { advantage: 0, trained: false },
      { advantage: 0, trained: false },
    ]);
    expect(plan.samples).toHaveLength(4);
  });
});

describe('on_error strategies in planBatch', () => {
  const groups = () => [group('broken', [1, 1, 1], { 0: 'workflow' }), group('fine', [1, 0])];

  it('skip_group drops a group with a failed episode, counts it failed, and the run goes on', () => {
    const plan = planBatch({ step: 3, groups: groups(), settings: settings(), maxTrainedGroups: null });
    expect(plan).toMatchObject({ groupsFailed: 1, groupsTrained: 1, groupsSkipped: 0 });
    expect(plan.groups[0]?.every(({ trained }) => !trained)).toBe(true);
    expect(plan.samples).toHaveLength(2);
    expect(plan.stopError).toBeUndefined();
  });

  it('zero_reward trains the group with the failed episode at reward 0', () => {
    const onError = onErrorPolicy('zero_reward');
    const plan = planBatch({ step: 3, groups: groups(), settings: settings({ onError }), maxTrainedGroups: null });
    expect(plan).toMatchObject({ groupsFailed: 0, groupsTrained: 2 });
    // Rewards 0, 1, 1: the failed episode is the group's worst.
    const broken = plan.groups[0] ?? [];
    expect(broken[0]?.advantage).toBeLessThan(0);
    expect(broken.every(({ trained }) => trained)).toBe(true);
    expect(plan.samples).toHaveLength(5);
    expect(plan.stopError).toBeUndefined();
  });

  it('fail drops the group like skip_group and stops with the first failed episode', () => {
    const failing = [group('ok', [1, 0]), group('x', [1, 1], { 1: 'judge' }), group('y', [1, 1], { 0: 'workflow' })];
    const plan = planBatch({
      step: 3,
      groups: failing,
      settings: settings({ onError: onErrorPolicy('fail') }),
      maxTrainedGroups: null,
    });
    expect(plan.groupsFailed).toBe(2);
    expect(isAjetError(plan.stopError) && plan.stopError.code).toBe('EPISODE_FAILED');
    expect(plan.stopError?.message).toMatch(/^Episode Tx#R1 failed \(judge\): judge broke/);
    expect(isAjetError(plan.stopError) && plan.stopError.blame).toBe('plugin');
  });

  it('stops with BACKEND_FAILED when every episode failed and one was the backend, whatever on_error says', () => {
    for (const name of ['skip_group', 'zero_reward', 'fail'] as const) {
      const plan = planBatch({
        step: 4,
        groups: [group('a', [1, 1], { 0: 'workflow', 1: 'backbone' })],
        settings: settings({ onError: onErrorPolicy(name) }),
        maxTrainedGroups: null,
      });
      expect(isAjetError(plan.stopError) && plan.stopError.code).toBe('BACKEND_FAILED');
      expect(plan.stopError?.message).toMatch(/^Every episode of step 4 failed; the backend: backbone broke/);
    }
  });

  it('does not blame the backend when every episode failed in the workflow', () => {
    const plan = planBatch({
      step: 4,
      groups: [group('a', [1, 1], { 0: 'workflow', 1: 'workflow' })],
      settings: settings(),
      maxTrainedGroups: null,
    });
    expect(plan.stopError).toBeUndefined();
    expect(plan.groupsFailed).toBe(1);
  });
});

describe('isInformative', () => {
  it('is true only for differing rewards with no failure the policy drops the group for', () => {
    expect(isInformative(group('a', [1, 0]), settings())).toBe(true);
    expect(isInformative(group('a', [1, 1]), settings())).toBe(false);
    const failed = group('a', [1, 1], { 0: 'timeout' });
    expect(isInformative(failed, settings())).toBe(false);
    expect(isInformative(failed, settings({ onError: onErrorPolicy('fail') }))).toBe(false);
    expect(isInformative(failed, settings({ onError: onErrorPolicy('zero_reward') }))).toBe(true);
  });
});
