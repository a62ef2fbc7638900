import { describe, expect, it } from 'vitest';
import { miniBatchesOf } from './trainer.ts';

describe('miniBatchesOf', () => {
  // Three groups: samples 0-2, 3-4, 5-8.
  const samples = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const ends = [3, 5, 9];

  it('keeps whole groups together, in order, the last mini-batch holding what is left', () => {
    expect(miniBatchesOf(samples, ends, 1)).toEqual([
      [0, 1, 2],
      [3, 4],
      [5, 6, 7, 8],
    ]);
    expect(miniBatchesOf(samples, ends, 2)).toEqual([
      [0, 1, 2, 3, 4],
      [5, 6, 7, 8],
    ]);
  });

  it('gives the whole batch as one when the size is null or covers every group, and nothing for no samples', () => {
    expect(miniBatchesOf(samples, ends, null)).toEqual([samples]);
    expect(miniBatchesOf(samples, ends, 3)).toEqual([samples]);
    expect(miniBatchesOf([], [], 2)).toEqual([]);
  });
});
