import type { LossSpec } from '@ajet/spec';
import { logSoftmaxAt } from './internal/kernels.ts';

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

/**
 * The weight of each trained token of each sample in a call's loss: `1 / tokens` for token-mean, and
 * `1 / (sequences · tokens of the sample)` for seq-mean, times `lossScale`. `counts[i]` is sample i's trained
 * tokens; samples with none get weight 0 and do not count as sequences.
 */
export function aggregationWeights(options: {
  aggregation: LossSpec['aggregation'];
  counts: readonly number[];
  lossScale?: number;
}): number[] {
  const { aggregation, counts } = options;
  const lossScale = options.lossScale ?? 1;
  const totalTokens = counts.reduce((sum, count) => sum + count, 0);
  const sequences = counts.filter((count) => count > 0).length;
  return counts.map((count) => {
    if (count === 0) return 0;
    return (aggregation === 'token-mean' ? 1 / totalTokens : 1 / (sequences * count)) * lossScale;
  });
}

export interface LogitsTokenLoss extends TokenLoss {
  logprob: number;
}

/**
 * The loss of one trained token from its row of logits: log-softmax at `target` (under `temperature`), the
 * spec's per-token loss, and `weight · d loss / d logits` added into `logitsGrad` over the same row.
 * `probabilities` (length ≥ vocab) receives the row's softmax.
 */
export function logitsTokenLoss(options: {
  spec: LossSpec;
  logits: Float32Array;
  offset: number;
  vocab: number;
  target: number;
  temperature: number;
  samplerLogprob: number;
  advantage: number;
  /** The reference policy's logits, laid out like `logits`; needed only for a KL term. */
  referenceLogits?: Float32Array;
  weight: number;
  logitsGrad: Float32Array;
  probabilities: Float32Array;
}): LogitsTokenLoss {
  const { logits, offset, vocab, target, temperature, probabilities, logitsGrad } = options;
  const logprob = logSoftmaxAt({ logits, offset, size: vocab, temperature, target, probabilities });
  const referenceLogprob = options.referenceLogits
    ? logSoftmaxAt({ logits: options.referenceLogits, offset, size: vocab, temperature, target })
    : undefined;
  const result = tokenLoss({
    spec: options.spec,
    logprob,
    samplerLogprob: options.samplerLogprob,
    advantage: options.advantage,
    referenceLogprob,
  });
  // d logp / d logits = (onehot - softmax) / temperature
  const scale = (options.weight * result.gradient) / temperature;
  if (scale !== 0) {
    for (let index = 0; index < vocab; index++)
      logitsGrad[offset + index] = (logitsGrad[offset + index] as number) - scale * (probabilities[index] as number);
    logitsGrad[offset + target] = (logitsGrad[offset + target] as number) + scale;
  }
  return { ...result, logprob };
}
