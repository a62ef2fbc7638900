import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { groupAdvantages } from './advantages.ts';

describe('groupAdvantages', () => {
  it('grpo standardises with the unbiased std', () => {
    const { advantages, skipped } = groupAdvantages([1, 0, 0, 1], 'grpo');
    expect(skipped).toBe(false);
    const std = Math.sqrt(1 / 3);
    expect(advantages[0]).toBeCloseTo(0.5 / (std + 1e-6), 9);
    expect(advantages[1]).toBeCloseTo(-0.5 / (std + 1e-6), 9);
  });

  it('dr_grpo only subtracts the mean', () => {
    expect(groupAdvantages([1, 0, 0, 0], 'dr_grpo').advantages).toEqual([0.75, -0.25, -0.25, -0.25]);
  });

  it('skips groups whose rewards are all equal, and single-episode groups', () => {
    expect(groupAdvantages([0.5, 0.5, 0.5], 'grpo')).toEqual({ advantages: [0, 0, 0], skipped: true });
    expect(groupAdvantages([1], 'grpo').skipped).toBe(true);
  });

  it('advantages of a non-skipped group sum to zero and keep the reward order', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.integer({ min: -20, max: 20 }).map((value) => value / 4),
          { minLength: 2, maxLength: 16 },
        ),
        (rewards) => {
          for (const estimator of ['grpo', 'dr_grpo'] as const) {
            const { advantages, skipped } = groupAdvantages(rewards, estimator);
            if (skipped) continue;
            expect(advantages.reduce((sum, value) => sum + value, 0)).toBeCloseTo(0, 6);
            for (let i = 0; i < rewards.length; i++) {
              for (let j = 0; j < rewards.length; j++) {
                if ((rewards[i] as number) > (rewards[j] as number)) {
                  expect(advantages[i] as number).toBeGreaterThan(advantages[j] as number);
                }
              }
            }
          }
        },
      ),
    );
  });

  it('negative_advantage_scale multiplies only the below-mean advantages', () => {
    const plain = groupAdvantages([1, 0, 0, 1], 'grpo').advantages;
    const scaled = groupAdvantages([1, 0, 0, 1], 'grpo', 0.25).advantages;
    expect(scaled[0]).toBe(plain[0]);
    expect(scaled[3]).toBe(plain[3]);
    expect(scaled[1]).toBeCloseTo((plain[1] as number) * 0.25, 12);
    expect(groupAdvantages([1, 0, 0, 0], 'dr_grpo', 0).advantages).toEqual([0.75, 0, 0, 0]);
    // Scaling never turns a group with differing rewards into a skipped one.
    expect(groupAdvantages([0, 0, 0, 1], 'grpo', 0).skipped).toBe(false);
  });
});
