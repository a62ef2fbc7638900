import { describe, expect, it } from 'vitest';
import { didYouMean } from './did-you-mean.ts';

describe('didYouMean', () => {
  it('finds close keys and ignores distant ones', () => {
    expect(didYouMean('num_repat', ['num_repeat', 'temperature'])).toBe('num_repeat');
    expect(didYouMean('maxEnvWorker', ['max_env_worker', 'max_tokens'])).toBe('max_env_worker');
    expect(didYouMean('zzz_unrelated', ['num_repeat', 'temperature'])).toBeUndefined();
  });
});
