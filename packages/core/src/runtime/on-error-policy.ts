import { AjetError } from '@ajet/spec';
import type { AjetConfig } from '../config/schema.ts';
import type { EpisodeResult } from './run-episode.ts';

export type OnErrorName = AjetConfig['rollout']['onError'];

/** What a training step does with a group that holds failed episodes (`rollout.on_error`). */
export interface OnErrorPolicy {
  readonly name: OnErrorName;
  /** Whether such a group is planned like any other, its failed episodes keeping the reward they got (0). */
  readonly trainsFailedGroups: boolean;
  /** The error that stops the run (after the step's trajectories are written) for this failed episode, if any. */
  stopError(failed: EpisodeResult): AjetError | undefined;
}

const noStop = (): undefined => undefined;

/** Drops the group: it trains nothing and counts in `groups/failed`. */
const skipGroup: OnErrorPolicy = { name: 'skip_group', trainsFailedGroups: false, stopError: noStop };

/** Trains the group, the failed episodes with the reward 0 the episode runner gave them. */
const zeroReward: OnErrorPolicy = { name: 'zero_reward', trainsFailedGroups: true, stopError: noStop };

/** Drops the group like skip_group, then stops the run with the step's first failed episode. */
const fail: OnErrorPolicy = {
  name: 'fail',
  trainsFailedGroups: false,
  stopError(failed) {
    const { error } = failed;
    if (!error) return undefined;
    return new AjetError(`Episode ${error.taskTag} failed (${error.kind}): ${error.message}`, {
      code: 'EPISODE_FAILED',
      blame: error.kind === 'backbone' ? 'system' : 'plugin',
      hint: 'rollout.on_error is `fail`; set it to skip_group or zero_reward to train past failed episodes.',
    });
  },
};

const policies: Record<OnErrorName, OnErrorPolicy> = { skip_group: skipGroup, zero_reward: zeroReward, fail };

/** The strategy object for a `rollout.on_error` value. */
export function onErrorPolicy(name: OnErrorName): OnErrorPolicy {
  return policies[name];
}
