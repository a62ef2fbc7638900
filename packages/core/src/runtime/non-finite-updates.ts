import { AjetError } from '@ajet/spec';

/**
 * Whether the backbone skipped an update: a non-finite loss or gradient norm means it applied nothing (the
 * OptimStepResponse contract), so the update counts as skipped and stays out of the step's loss metrics.
 */
export function isSkippedUpdate(update: { loss: number; gradNorm: number }): boolean {
  return !Number.isFinite(update.loss) || !Number.isFinite(update.gradNorm);
}

/**
 * Counts steps in a row that had a skipped (non-finite) update and stops the run after
 * `trainer_common.max_nonfinite_steps_in_row` of them: one bad batch is survivable, weights gone bad are not.
 */
export class NonFiniteUpdateGuard {
  private stepsInRow = 0;

  constructor(private readonly maxStepsInRow: number) {}

  /**
   * Call once per step that trained (a step with nothing to train neither resets nor extends the count); returns
   * a warning for a step with skipped updates, throws at the limit.
   */
  endStep(options: { step: number; skipped: number; updates: number }): string | undefined {
    const { step, skipped, updates } = options;
    if (skipped === 0) {
      this.stepsInRow = 0;
      return undefined;
    }
    this.stepsInRow += 1;
    if (this.stepsInRow >= this.maxStepsInRow)
      throw new AjetError(
        `Step ${step}: ${this.stepsInRow} trained steps in a row had updates with a non-finite loss or gradient norm (${skipped} of ${updates} this step); the backend applied none of them.`,
        {
          code: 'NONFINITE_UPDATES',
          blame: 'system',
          hint: 'Check the rewards/advantages and lower trainer_common.optim.lr or set optim.max_grad_norm; trainer_common.max_nonfinite_steps_in_row sets how many such steps in a row a run survives.',
        },
      );
    return `step ${step}: ${skipped} of ${updates} updates skipped (non-finite loss or gradient norm; nothing applied), ${this.stepsInRow} such trained step(s) in a row of at most ${this.maxStepsInRow}`;
  }
}
