import { AjetError } from '@ajet/spec';
import { describe, expect, it } from 'vitest';
import { isSkippedUpdate, NonFiniteUpdateGuard } from './non-finite-updates.ts';

describe('isSkippedUpdate', () => {
  it('is true for a non-finite loss or gradient norm only', () => {
    expect(isSkippedUpdate({ loss: 0.5, gradNorm: 1 })).toBe(false);
    expect(isSkippedUpdate({ loss: Number.NaN, gradNorm: 1 })).toBe(true);
    expect(isSkippedUpdate({ loss: 0.5, gradNorm: Number.POSITIVE_INFINITY })).toBe(true);
    expect(isSkippedUpdate({ loss: Number.NEGATIVE_INFINITY, gradNorm: Number.NaN })).toBe(true);
  });
});

describe('NonFiniteUpdateGuard', () => {
  it('warns for each step with skipped updates and stops the run at the limit of steps in a row', () => {
    const guard = new NonFiniteUpdateGuard(3);
    expect(guard.endStep({ step: 1, skipped: 0, updates: 2 })).toBeUndefined();
    expect(guard.endStep({ step: 2, skipped: 1, updates: 2 })).toMatch(
      /step 2: 1 of 2 updates skipped.*1 such trained step/,
    );
    expect(guard.endStep({ step: 3, skipped: 2, updates: 2 })).toMatch(
      /2 such trained step\(s\) in a row of at most 3/,
    );
    let thrown: unknown;
    try {
      guard.endStep({ step: 4, skipped: 1, updates: 1 });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(AjetError);
    expect((thrown as AjetError).code).toBe('NONFINITE_UPDATES');
    expect((thrown as AjetError).message).toMatch(/Step 4: 3 trained steps in a row.*max_nonfinite_steps_in_row/);
  });

  it('starts counting again after a step with no skipped update', () => {
    const guard = new NonFiniteUpdateGuard(2);
    guard.endStep({ step: 1, skipped: 1, updates: 1 });
    expect(guard.endStep({ step: 2, skipped: 0, updates: 1 })).toBeUndefined();
    expect(guard.endStep({ step: 3, skipped: 1, updates: 1 })).toBeDefined();
    expect(() => guard.endStep({ step: 4, skipped: 1, updates: 1 })).toThrow(/2 trained steps in a row/);
  });

  it('stops at the first such step when the limit is 1', () => {
    expect(() => new NonFiniteUpdateGuard(1).endStep({ step: 1, skipped: 1, updates: 4 })).toThrow(AjetError);
  });
});
