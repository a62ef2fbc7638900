import { PluginError } from '@ajet/spec';
import { describe, expect, it } from 'vitest';
import { checkReward } from './check-reward.ts';

const judge = { kind: 'judge', reference: 'my_judge->J' } as const;
const workflow = { kind: 'workflow', reference: 'agent.ts->Agent' } as const;

function thrown(run: () => unknown): PluginError {
  try {
    run();
  } catch (error) {
    if (error instanceof PluginError) return error;
    throw error;
  }
  throw new Error('expected a PluginError');
}

describe('checkReward', () => {
  it.each([0, 1, -2.5, 1e9])('passes the finite number %s through', (value) => {
    expect(checkReward(value, { plugin: judge, taskTag: 'T3#R1' })).toBe(value);
  });

  it('names the judge, the value with its type, and the episode', () => {
    const error = thrown(() => checkReward('1', { plugin: judge, taskTag: 'T3#R1' }));
    expect(error.code).toBe('INVALID_REWARD');
    expect(error.kind).toBe('judge');
    expect(error.message).toBe(
      `judge "my_judge->J" returned rawReward '1' (a string) for episode T3#R1: return a finite number`,
    );
  });

  it.each([
    [Number.NaN, 'NaN'],
    [Number.POSITIVE_INFINITY, 'Infinity'],
    [Number.NEGATIVE_INFINITY, '-Infinity'],
    [null, 'null'],
    [true, 'true (a boolean)'],
    [10n, '10n (a bigint)'],
    [{ score: 1 }, 'an object'],
    [[1], 'an array'],
    ['x'.repeat(200), `'${'x'.repeat(40)}…' (a string)`],
  ])('describes %s as %s', (value, described) => {
    const error = thrown(() => checkReward(value, { plugin: workflow, taskTag: 'T0#R0' }));
    expect(error.kind).toBe('workflow');
    expect(error.message).toBe(
      `workflow "agent.ts->Agent" returned reward ${described} for episode T0#R0: return a finite number, or leave reward unset to use the judge`,
    );
  });

  it('says a judge returned nothing at all', () => {
    const error = thrown(() => checkReward(undefined, { plugin: judge, taskTag: 'T1#R0' }));
    expect(error.message).toBe(
      'judge "my_judge->J" returned rawReward undefined for episode T1#R0: return a finite number',
    );
  });
});
