import type { LossSpec, TrainingSample } from '@ajet/spec';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GradientThreads, planShards } from './gradient-threads.ts';
import { Transformer } from './transformer.ts';

const spec: LossSpec = { type: 'importance_sampling', aggregation: 'token-mean' };

/** A sample of `length` tokens whose first token names it, so shards can be read back as indices. */
function sample(index: number, length: number): TrainingSample {
  return {
    tokenIds: Array.from({ length }, (_, position) => (position === 0 ? index : 1)),
    lossMask: Array.from({ length }, (_, position) => (position === 0 ? 0 : 1)),
    samplerLogprobs: Array.from({ length }, () => 0),
    advantage: 1,
  };
}

function plan(lengths: readonly number[], threads: number, counts = lengths.map((length) => length - 1)) {
  const samples = lengths.map((length, index) => sample(index, length));
  const weights = lengths.map((_, index) => 10 + index);
  const shards = planShards({ samples, counts, weights, threads, settings: { spec, temperature: 0.7 } });
  return {
    shards,
    indices: shards.map((shard) => shard.samples.map((member) => member.tokenIds[0] as number)),
  };
}

describe('planShards', () => {
  it('on one thread keeps every trained sample in batch order, with its weight, and drops untrained ones', () => {
    const { shards, indices } = plan([5, 3, 8, 2], 1, [4, 0, 7, 1]);
    expect(indices).toEqual([[0, 2, 3]]);
    expect(shards[0]?.weights).toEqual([10, 12, 13]);
    expect(shards[0]).toMatchObject({ spec, temperature: 0.7 });
  });

  it('gives each sample, longest first, to the thread with the fewest tokens so far (ties: the first thread)', () => {
    // By length: 0 (10), 1 (9), 2 (8), 6 (7), then 3, 4, 5 (2 each, in batch order).
    const { shards, indices } = plan([10, 9, 8, 2, 2, 2, 7], 3);
    expect(indices).toEqual([
      [0, 4],
      [1, 3, 5],
      [2, 6],
    ]);
    expect(shards.map((shard) => shard.weights)).toEqual([
      [10, 14],
      [11, 13, 15],
      [12, 16],
    ]);
  });

  it('returns no empty shard when there are more threads than trained samples', () => {
    expect(plan([4, 6], 5).indices).toEqual([[1], [0]]);
    expect(plan([4, 6], 3, [0, 0]).shards).toEqual([]);
  });

  it('places every trained sample exactly once, and no shard outweighs another by more than the longest sample', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 2, max: 40 }), { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 1, max: 6 }),
        (lengths, threads) => {
          const { shards, indices } = plan(lengths, threads);
          expect(indices.flat().sort((a, b) => a - b)).toEqual(lengths.map((_, index) => index));
          for (const members of indices) expect(members).toEqual([...members].sort((a, b) => a - b));
          expect(shards.length).toBe(Math.min(threads, lengths.length));
          const loads = indices.map((members) => members.reduce((sum, index) => sum + (lengths[index] as number), 0));
          expect(Math.max(...loads) - Math.min(...loads)).toBeLessThanOrEqual(Math.max(...lengths));
        },
      ),
    );
  });
});

describe('GradientThreads', () => {
  const model = new Transformer({ vocabSize: 8, dModel: 4, nHeads: 2, nLayers: 1, dFeedForward: 8, maxSeqLen: 4 });

  it('refuses a thread count that is not a whole number of at least 1, naming it', () => {
    const params = new Float32Array(model.layout.size);
    for (const threads of [0, 1.5, -2])
      expect(() => new GradientThreads({ model, params, threads })).toThrow(
        `trainThreads ${threads}: expected a whole number of at least 1`,
      );
  });

  it('on one thread trains the caller’s weights in place and keeps a copy as the reference', async () => {
    const params = Float32Array.from({ length: model.layout.size }, (_, index) => index / 1000);
    const grads = new Float32Array(model.layout.size);
    const threads = new GradientThreads({ model, params, grads, threads: 1 });
    expect(threads.params).toBe(params);
    expect(threads.grads).toBe(grads);
    expect(threads.reference).not.toBe(params);
    params[0] = 42;
    expect(threads.reference[0]).toBe(0);
    await threads.close();
  });

  it('with more threads moves the weights and the reference to shared memory, leaving the caller’s array', async () => {
    const params = Float32Array.from({ length: model.layout.size }, (_, index) => index / 1000);
    const threads = new GradientThreads({ model, params, threads: 2 });
    try {
      expect(threads.params.buffer).toBeInstanceOf(SharedArrayBuffer);
      expect(threads.reference.buffer).toBeInstanceOf(SharedArrayBuffer);
      expect(threads.params).not.toBe(threads.reference);
      expect(threads.params).toEqual(params);
      expect(threads.grads).toHaveLength(model.layout.size);
      // Weights already in shared memory are used as they are.
      const again = new GradientThreads({ model, params: threads.params, threads: 2 });
      expect(again.params).toBe(threads.params);
      await again.close();
    } finally {
      await threads.close();
    }
  });
});

describe('planShards with samples that share a prompt', () => {
  /** Group g's i-th sample: a 20-token prompt of the group, then 2 + i trained tokens. */
  function grouped(groups: readonly number[]): TrainingSample[] {
    return groups.flatMap((size, group) =>
      Array.from({ length: size }, (_, member) => {
        const tokenIds = [
          ...Array.from({ length: 20 }, (_, position) => 100 * group + position),
          ...Array.from({ length: 2 + member }, () => member),
        ];
        return {
          tokenIds,
          lossMask: tokenIds.map((_, position) => (position < 20 ? 0 : 1)),
          samplerLogprobs: tokenIds.map(() => 0),
          advantage: 1,
        };
      }),
    );
  }

  it('keeps each cluster whole on one thread with one slot, in batch order, balancing packed rows', () => {
    // Groups of 3, 1, 4 and 2 samples; the one-sample group trains alone.
    const samples = grouped([3, 1, 4, 2]);
    const counts = samples.map((sample) => sample.tokenIds.length - 20);
    const weights = samples.map((_, index) => index);
    for (const threads of [1, 2, 3, 8]) {
      const shards = planShards({ samples, counts, weights, threads, settings: { spec, temperature: 1 } });
      const clusters = shards
        .flatMap((shard) => {
          let first = 0;
          return shard.clusters.map((cluster) => {
            const order = shard.order.slice(first, first + cluster.size);
            first += cluster.size;
            return { ...cluster, order };
          });
        })
        .sort((a, b) => a.slot - b.slot);
      expect(clusters).toEqual([
        { size: 3, shared: 19, slot: 0, order: [0, 1, 2] },
        { size: 1, shared: 0, slot: 1, order: [3] },
        { size: 4, shared: 19, slot: 2, order: [4, 5, 6, 7] },
        { size: 2, shared: 19, slot: 3, order: [8, 9] },
      ]);
      for (const shard of shards) {
        expect(shard.weights).toEqual(shard.order.map((place) => weights[place]));
        expect(shard.samples).toEqual(shard.order.map((place) => samples[place]));
        expect(shard.order).toEqual([...shard.order].sort((a, b) => a - b));
      }
      expect(shards).toHaveLength(Math.min(threads, 4));
    }
    // Packed rows: 19 shared + own rows 3..5 = 31, 22 alone, 19 + 3..6 = 37, 19 + 3..4 = 26. On two threads, most
    // first to the least loaded: 37 → A, 31 → B, 26 → B (57), 22 → A (59).
    const two = planShards({ samples, counts, weights, threads: 2, settings: { spec, temperature: 1 } });
    expect(two.map((shard) => shard.clusters.map((cluster) => cluster.slot))).toEqual([
      [1, 2],
      [0, 3],
    ]);
  });

  it('with sharePrefixes false gives every sample its own slot', () => {
    const samples = grouped([3, 2]);
    const counts = samples.map(() => 1);
    const [shard] = planShards({
      samples,
      counts,
      weights: counts,
      threads: 1,
      settings: { spec, temperature: 1 },
      sharePrefixes: false,
    });
    expect(shard?.clusters).toEqual([0, 1, 2, 3, 4].map((slot) => ({ size: 1, shared: 0, slot })));
  });
});
