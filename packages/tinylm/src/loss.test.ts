import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tokenLoss } from './loss.ts';

const ppo = { type: 'ppo' as const, clipLow: 0.2, clipHigh: 0.28, aggregation: 'token-mean' as const };

describe('tokenLoss', () => {
  it('at ratio 1, PPO is the policy-gradient loss with gradient -A', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -5, max: 5, noNaN: true }),
        fc.double({ min: -10, max: 0, noNaN: true }),
        (advantage, logprob) => {
          const result = tokenLoss({ spec: ppo, logprob, samplerLogprob: logprob, advantage });
          expect(result.loss).toBeCloseTo(-advantage, 9);
          expect(result.gradient).toBeCloseTo(-advantage, 9);
          expect(result.clipped).toBe(false);
        },
      ),
    );
  });

  it('clipping stops the gradient outside [1 - clip_low, 1 + clip_high] in the direction of the advantage', () => {
    const up = tokenLoss({ spec: ppo, logprob: Math.log(1.5), samplerLogprob: 0, advantage: 1 });
    expect(up.clipped).toBe(true);
    expect(up.gradient).toBe(0);
    const down = tokenLoss({ spec: ppo, logprob: Math.log(0.5), samplerLogprob: 0, advantage: -1 });
    expect(down.gradient).toBe(0);
    // The pessimistic side keeps its gradient.
    const kept = tokenLoss({ spec: ppo, logprob: Math.log(0.5), samplerLogprob: 0, advantage: 1 });
    expect(kept.gradient).toBeCloseTo(-0.5, 9);
    const inside = tokenLoss({ spec: ppo, logprob: Math.log(1.1), samplerLogprob: 0, advantage: 2 });
    expect(inside.gradient).toBeCloseTo(-2.2, 9);
  });

  it('dual clip caps the loss of negative advantages at -c·A', () => {
    const result = tokenLoss({
      spec: { ...ppo, dualClip: 3 },
      logprob: Math.log(10),
      samplerLogprob: 0,
      advantage: -1,
    });
    expect(result.loss).toBe(3);
    expect(result.gradient).toBe(0);
  });

  it('k3 KL is zero at the reference and grows away from it', () => {
    const spec = { ...ppo, kl: { beta: 1, estimator: 'k3' as const } };
    expect(tokenLoss({ spec, logprob: -1, samplerLogprob: -1, advantage: 0, referenceLogprob: -1 }).kl).toBe(0);
    expect(tokenLoss({ spec, logprob: -1, samplerLogprob: -1, advantage: 0, referenceLogprob: -2 }).kl).toBeGreaterThan(
      0,
    );
  });
});
