import type { AjetConfig } from '../config/schema.ts';

/**
 * The learning rate of training step `step` (1-based) of a `totalSteps`-step run (pure). Warmup: lr × s/(W+1) for
 * s ≤ W. Then p = (s − W − 1)/(T − W − 1) runs from 0 at the first step after warmup to 1 at the last (0 when that
 * is the only one), and lr_t = lr × (1 − d) + min_lr × d with d = p (linear) or (1 − cos πp)/2 (cosine), so both
 * ends are exact. The constant schedule returns `optim.lr` itself.
 */
export function learningRateAt(options: {
  step: number;
  totalSteps: number;
  optim: AjetConfig['trainerCommon']['optim'];
}): number {
  const { step, totalSteps, optim } = options;
  const warmup = optim.lrWarmupSteps;
  if (step <= warmup) return (optim.lr * step) / (warmup + 1);
  const decaySteps = totalSteps - warmup - 1;
  const progress = decaySteps > 0 ? Math.min(1, (step - warmup - 1) / decaySteps) : 0;
  const minLr = optim.lr * optim.minLrRatio;
  switch (optim.lrSchedule) {
    case 'constant':
      return optim.lr;
    case 'linear':
      return optim.lr * (1 - progress) + minLr * progress;
    case 'cosine': {
      const decayed = (1 - Math.cos(Math.PI * progress)) / 2;
      return optim.lr * (1 - decayed) + minLr * decayed;
    }
    default: {
      const exhaustive: never = optim.lrSchedule;
      return exhaustive;
    }
  }
}

/**
 * A warning when `lr_warmup_steps` leaves no step at `optim.lr` (a run of `totalSteps` that never ends warming up),
 * else undefined. Not an error: a short debug run of a long run's config is legitimate.
 */
export function warmupWarning(options: {
  totalSteps: number;
  optim: AjetConfig['trainerCommon']['optim'];
}): string | undefined {
  const { totalSteps, optim } = options;
  if (totalSteps === 0 || optim.lrWarmupSteps < totalSteps) return undefined;
  const last = learningRateAt({ step: totalSteps, totalSteps, optim });
  return (
    `trainer_common.optim.lr_warmup_steps (${optim.lrWarmupSteps}) is not shorter than the run's ${totalSteps} ` +
    `training steps: the lr only warms up, ending at ${last.toPrecision(3)} instead of optim.lr ${optim.lr}. ` +
    'Lower lr_warmup_steps or raise trainer_common.total_training_steps.'
  );
}
