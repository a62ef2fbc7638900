import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load-config.ts';
import { learningRateAt, warmupWarning } from './learning-rate.ts';

const BASE = fileURLToPath(new URL('../config/__fixtures__/base.yaml', import.meta.url));
const optimWith = (...sets: string[]) =>
  loadConfig({ file: BASE, sets: sets.map((set) => `trainer_common.optim.${set}`) }).config.trainerCommon.optim;

/** The lr of every step of a `totalSteps`-step run. */
const lrsOf = (optim: ReturnType<typeof optimWith>, totalSteps: number) =>
  Array.from({ length: totalSteps }, (_, index) => learningRateAt({ step: index + 1, totalSteps, optim }));

describe('learningRateAt', () => {
  it('by default is optim.lr itself at every step, bit for bit', () => {
    const optim = optimWith('lr=3.7e-6', 'min_lr_ratio=0.3');
    expect(optim.lrSchedule).toBe('constant');
    expect(optim.lrWarmupSteps).toBe(0);
    for (const lr of lrsOf(optim, 7)) expect(Object.is(lr, 3.7e-6)).toBe(true);
    expect(learningRateAt({ step: 1, totalSteps: 1, optim })).toBe(3.7e-6);
  });

  it('warms up linearly from lr/(W+1) over lr_warmup_steps, then holds lr with the constant schedule', () => {
    expect(lrsOf(optimWith('lr=1', 'lr_warmup_steps=3'), 6)).toEqual([0.25, 0.5, 0.75, 1, 1, 1]);
  });

  it('linear: lr at the first step after warmup, min_lr_ratio × lr at the last, evenly between', () => {
    const lrs = lrsOf(optimWith('lr=1', 'lr_schedule=linear', 'lr_warmup_steps=1', 'min_lr_ratio=0.2'), 6);
    expect(lrs[0]).toBe(0.5);
    expect(lrs[1]).toBe(1);
    expect(lrs[5]).toBe(0.2);
    expect(lrs.slice(1).map((lr) => Number(lr.toFixed(12)))).toEqual([1, 0.8, 0.6, 0.4, 0.2]);
  });

  it('cosine: lr after warmup, half-way at the middle of the decay, min_lr_ratio × lr at the last step', () => {
    const optim = optimWith('lr=2e-6', 'lr_schedule=cosine', 'lr_warmup_steps=2', 'min_lr_ratio=0.1');
    const lrs = lrsOf(optim, 7);
    expect(lrs.slice(0, 3)).toEqual([2e-6 / 3, (2 * 2e-6) / 3, 2e-6]);
    expect(lrs[4]).toBeCloseTo((2e-6 + 0.2e-6) / 2, 18);
    expect(lrs[6]).toBe(2e-6 * 0.1);
    // Falls every step after warmup.
    for (let index = 3; index < 7; index++) expect(lrs[index]).toBeLessThan(lrs[index - 1] as number);
    // With min_lr_ratio 0 the last step does not train at all, as in verl.
    const noFloor = lrsOf(optimWith('lr=1', 'lr_schedule=cosine'), 4);
    expect(noFloor.map((lr) => Number(lr.toFixed(12)))).toEqual([1, 0.75, 0.25, 0]);
    expect(noFloor[3]).toBe(0);
  });

  it('a 1-step run trains at lr, whatever the schedule; so does a run whose only step after warmup is the last', () => {
    for (const schedule of ['constant', 'linear', 'cosine'])
      expect(lrsOf(optimWith('lr=1', `lr_schedule=${schedule}`), 1)).toEqual([1]);
    expect(lrsOf(optimWith('lr=1', 'lr_schedule=cosine', 'lr_warmup_steps=1'), 2)).toEqual([0.5, 1]);
  });

  it('a run shorter than its warmup only ramps, never reaching lr', () => {
    expect(lrsOf(optimWith('lr=1', 'lr_schedule=cosine', 'lr_warmup_steps=4'), 3)).toEqual([0.2, 0.4, 0.6]);
  });

  it('min_lr_ratio must lie in [0, 1] and lr_warmup_steps be a whole number >= 0', () => {
    expect(() => optimWith('min_lr_ratio=1.5')).toThrow(/min_lr_ratio/);
    expect(() => optimWith('lr_warmup_steps=-1')).toThrow(/lr_warmup_steps/);
    expect(() => optimWith('lr_schedule=step')).toThrow(/lr_schedule/);
  });
});

describe('warmupWarning', () => {
  it('warns, naming the key and the step count, when warmup covers the whole run', () => {
    const optim = optimWith('lr=1', 'lr_warmup_steps=4');
    expect(warmupWarning({ totalSteps: 4, optim })).toMatch(
      /^trainer_common\.optim\.lr_warmup_steps \(4\) is not shorter than the run's 4 training steps: .* ending at 0\.800 /,
    );
    expect(warmupWarning({ totalSteps: 2, optim })).toMatch(/ending at 0\.400 instead of optim\.lr 1\./);
  });

  it('is silent when some step reaches optim.lr, and for a run with no training steps', () => {
    expect(warmupWarning({ totalSteps: 5, optim: optimWith('lr=1', 'lr_warmup_steps=4') })).toBeUndefined();
    expect(warmupWarning({ totalSteps: 3, optim: optimWith('lr=1') })).toBeUndefined();
    expect(warmupWarning({ totalSteps: 0, optim: optimWith('lr=1', 'lr_warmup_steps=4') })).toBeUndefined();
  });
});
