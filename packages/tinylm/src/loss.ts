import type { LossSpec } from '@ajet/spec';

export interface TokenLoss {
  /** The per-token loss. */
  loss: number;
  /** d(loss)/d(logp) of the token. */
  gradient: number;
  clipped: boolean;
  ratio: number;
  kl: number;
}

/**
 * The per-token loss of a spec and its derivative with respect to the token's logprob under the current policy.
 * `samplerLogprob` is the behaviour policy's; `referenceLogprob` the frozen reference's (for the KL term).
 */
export function tokenLoss(options: {
  spec: LossSpec;
  logprob: number;
  samplerLogprob: number;
  advantage: number;
  referenceLogprob?: number;
}): TokenLoss {
  const { spec, logprob, samplerLogprob, advantage } = options;
  let loss: number;
  let gradient: number;
  let clipped = false;
  const ratio = Math.exp(logprob - samplerLogprob);
  switch (spec.type) {
    case 'cross_entropy':
      loss = -logprob;
      gradient = -1;
      break;
    case 'importance_sampling':
      loss = -advantage * ratio;
      gradient = -advantage * ratio;
      break;
    case 'ppo': {
      const unclipped = -advantage * ratio;
      const clippedRatio = Math.min(Math.max(ratio, 1 - spec.clipLow), 1 + spec.clipHigh);
      const clippedLoss = -advantage * clippedRatio;
      if (unclipped >= clippedLoss) {
        loss = unclipped;
        gradient = -advantage * ratio;
      } else {
        loss = clippedLoss;
        gradient = 0;
        clipped = true;
      }
      if (spec.dualClip !== undefined && advantage < 0) {
        const cap = -spec.dualClip * advantage;
        if (loss > cap) {
          loss = cap;
          gradient = 0;
          clipped = true;
        }
      }
      break;
    }
    default: {
      const exhaustive: never = spec;
      throw new Error(`unknown loss ${JSON.stringify(exhaustive)}`);
    }
  }
  let kl = 0;
  const penalty = spec.type === 'cross_entropy' ? undefined : spec.kl;
  if (penalty && penalty.beta > 0 && options.referenceLogprob !== undefined) {
    const delta = options.referenceLogprob - logprob;
    kl = Math.exp(delta) - delta - 1;
    loss += penalty.beta * kl;
    gradient += penalty.beta * (1 - Math.exp(delta));
  }
  return { loss, gradient, clipped, ratio, kl };
}
