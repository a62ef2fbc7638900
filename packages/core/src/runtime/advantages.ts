export type AdvantageEstimator = 'grpo' | 'dr_grpo';

export interface GroupAdvantages {
  /** One per episode of the group, in order. */
  advantages: number[];
  /** True when every reward in the group is the same: nothing to learn from it. */
  skipped: boolean;
}

const EPSILON = 1e-6;

/**
 * Group-relative advantages. `grpo`: (r - mean) / (std + 1e-6) with the unbiased std; `dr_grpo` (Dr. GRPO):
 * r - mean, no std division, which avoids up-weighting nearly-uniform groups. `negativeScale` multiplies the
 * advantages below zero (the group's worse episodes): 1 is plain GRPO, 0 trains only on the better episodes.
 */
export function groupAdvantages(
  rewards: readonly number[],
  estimator: AdvantageEstimator,
  negativeScale = 1,
): GroupAdvantages {
  const count = rewards.length;
  if (count === 0) return { advantages: [], skipped: true };
  const mean = rewards.reduce((sum, reward) => sum + reward, 0) / count;
  const spread = Math.max(...rewards) - Math.min(...rewards);
  if (count < 2 || spread < 1e-9) return { advantages: rewards.map(() => 0), skipped: true };
  const scale = estimator === 'dr_grpo' ? 1 : Math.sqrt(variance(rewards, mean)) + EPSILON;
  const advantages = rewards.map((reward) => {
    const advantage = (reward - mean) / scale;
    return advantage < 0 ? advantage * negativeScale || 0 : advantage; // || 0: no -0 in the records
  });
  return { advantages, skipped: false };
}

function variance(values: readonly number[], mean: number): number {
  return values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (values.length - 1);
}
