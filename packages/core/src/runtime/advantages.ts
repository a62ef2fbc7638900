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
 * r - mean, no std division, which avoids up-weighting nearly-uniform groups.
 */
export function groupAdvantages(rewards: readonly number[], estimator: AdvantageEstimator): GroupAdvantages {
  const count = rewards.length;
  if (count === 0) return { advantages: [], skipped: true };
  const mean = rewards.reduce((sum, reward) => sum + reward, 0) / count;
  const spread = Math.max(...rewards) - Math.min(...rewards);
  if (count < 2 || spread < 1e-9) return { advantages: rewards.map(() => 0), skipped: true };
  if (estimator === 'dr_grpo') return { advantages: rewards.map((reward) => reward - mean), skipped: false };
  const variance = rewards.reduce((sum, reward) => sum + (reward - mean) ** 2, 0) / (count - 1);
  const std = Math.sqrt(variance);
  return { advantages: rewards.map((reward) => (reward - mean) / (std + EPSILON)), skipped: false };
}
