import type { TrainingSample } from '@ajet/spec';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clusterSamples, MAX_CLUSTER_SIZE, MIN_SHARED_PREFIX, shareableTokens } from './prefix-clusters.ts';

/** A sample: `prompt` (untrained), then `completion` (trained). */
function sample(prompt: readonly number[], completion: readonly number[]): TrainingSample {
  const tokenIds = [...prompt, ...completion];
  return {
    tokenIds,
    lossMask: tokenIds.map((_, position) => (position < prompt.length ? 0 : 1)),
    samplerLogprobs: tokenIds.map(() => -1),
    advantage: 1,
  };
}

const range = (from: number, length: number) => Array.from({ length }, (_, index) => from + index);
/** A system prompt of 18 tokens, then a question of `length` tokens starting at `from`. */
const prompt = (from: number, length = 10) => [...range(100, 18), ...range(from, length)];

describe('shareableTokens', () => {
  it('is the tokens before the row that predicts the first trained token', () => {
    expect(shareableTokens(sample(range(0, 30), [1, 2]))).toBe(29);
    expect(shareableTokens({ ...sample(range(0, 30), [1, 2]), lossMask: range(0, 32).map(() => 1) })).toBe(0);
    expect(shareableTokens({ ...sample(range(0, 30), [1, 2]), lossMask: range(0, 32).map(() => 0) })).toBe(0);
  });
});

describe('clusterSamples', () => {
  it('packs each group of a GRPO batch by its whole prompt, not the batch by the system prompt they all share', () => {
    const samples = [
      ...range(0, 4).map((index) => sample(prompt(0), range(50 + index, 3 + index))),
      ...range(0, 4).map((index) => sample(prompt(20), range(60, 6 - index))),
    ];
    // The prompt is 28 tokens; the shared part stops one before the row that predicts the first trained token.
    expect(clusterSamples(samples)).toEqual([
      { first: 0, size: 4, shared: 27 },
      { first: 4, size: 4, shared: 27 },
    ]);
  });

  it('leaves samples alone that share fewer than MIN_SHARED_PREFIX tokens, or whose loss starts too early', () => {
    const short = (from: number) => sample(range(from, 12), [1, 2, 3]);
    expect(MIN_SHARED_PREFIX).toBe(16);
    // Different prompts (a common first token only), and the same 12-token prompt (11 shareable).
    expect(clusterSamples([short(0), short(1), short(1), short(1)])).toEqual([
      { first: 0, size: 1, shared: 0 },
      { first: 1, size: 1, shared: 0 },
      { first: 2, size: 1, shared: 0 },
      { first: 3, size: 1, shared: 0 },
    ]);
    // Same long prompt, but the middle sample trains from position 10: packing it would share a row a loss reads.
    const early = { ...sample(prompt(0), [1, 2]), lossMask: range(0, 30).map((position) => (position >= 10 ? 1 : 0)) };
    expect(clusterSamples([sample(prompt(0), [1]), early, sample(prompt(0), [2]), sample(prompt(0), [3])])).toEqual([
      { first: 0, size: 1, shared: 0 },
      { first: 1, size: 1, shared: 0 },
      { first: 2, size: 2, shared: 27 },
    ]);
  });

  it('splits a large group into clusters of at most MAX_CLUSTER_SIZE', () => {
    const samples = range(0, 2 * MAX_CLUSTER_SIZE + 1).map((index) => sample(prompt(0), [index, 1]));
    expect(clusterSamples(samples).map(({ size }) => size)).toEqual([MAX_CLUSTER_SIZE, MAX_CLUSTER_SIZE, 1]);
  });

  it('covers the samples in order with valid clusters, from token ids and loss masks only', () => {
    const arbitrarySample = fc
      .record({
        question: fc.integer({ min: 0, max: 3 }),
        promptLength: fc.integer({ min: 0, max: 16 }),
        completion: fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 8 }),
        firstTrained: fc.option(fc.integer({ min: 1, max: 40 }), { nil: undefined }),
        advantage: fc.double({ noNaN: true, min: -2, max: 2 }),
      })
      .map(({ question, promptLength, completion, firstTrained, advantage }) => {
        const base = sample(prompt(question * 3, promptLength), completion);
        const lossMask =
          firstTrained === undefined
            ? base.lossMask
            : base.tokenIds.map((_, position) =>
                position >= Math.min(firstTrained, base.tokenIds.length - 1) ? 1 : 0,
              );
        return { ...base, lossMask, advantage };
      });
    fc.assert(
      fc.property(fc.array(arbitrarySample, { minLength: 1, maxLength: 30 }), (samples) => {
        const clusters = clusterSamples(samples);
        // Deterministic, and blind to advantages and logprobs.
        expect(clusterSamples(samples.map((item) => ({ ...item, advantage: 0, samplerLogprobs: [] })))).toEqual(
          clusters,
        );
        let next = 0;
        for (const { first, size, shared } of clusters) {
          expect(first).toBe(next);
          next += size;
          expect(size).toBeLessThanOrEqual(MAX_CLUSTER_SIZE);
          if (size === 1) {
            expect(shared).toBe(0);
            continue;
          }
          expect(shared).toBeGreaterThanOrEqual(MIN_SHARED_PREFIX);
          const members = samples.slice(first, first + size);
          const head = (members[0] as TrainingSample).tokenIds.slice(0, shared);
          for (const member of members) {
            expect(member.tokenIds.slice(0, shared)).toEqual(head);
            // No shared row predicts a trained token: rows 0..shared-1 predict positions 1..shared.
            for (let position = 1; position <= shared; position++) expect(member.lossMask[position]).toBe(0);
            expect(member.tokenIds.length).toBeGreaterThan(shared);
          }
        }
        expect(next).toBe(samples.length);
      }),
    );
  });
});
