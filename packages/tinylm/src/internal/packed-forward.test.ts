import type { LossSpec, TrainingSample } from '@ajet/spec';
import { describe, expect, it } from 'vitest';
import { accumulateCluster } from './gradient-shard.ts';
import { createRandom } from './random.ts';
import { IncrementalDecoder, initializeParameters, packSequences, Transformer } from './transformer.ts';

const config = { vocabSize: 40, dModel: 16, nHeads: 2, nLayers: 2, dFeedForward: 32, maxSeqLen: 64 };
const model = new Transformer(config);

function weights(seed: number): Float32Array {
  const params = initializeParameters(config, createRandom(seed));
  // Larger than the usual init, so attention is far from uniform and gradients are not tiny.
  for (let index = 0; index < params.length; index++) params[index] = (params[index] as number) * 4;
  return params;
}

function tokens(random: () => number, length: number): number[] {
  return Array.from({ length }, () => Math.floor(random() * config.vocabSize));
}

/** Three sequences sharing their first 20 tokens, continued differently for 5, 12 and 21 tokens. */
function sequences(seed = 3): number[][] {
  const random = createRandom(seed);
  const prompt = tokens(random, 20);
  return [5, 12, 21].map((length) => [...prompt, ...tokens(random, length)]);
}

const bits = (values: Float32Array) => Buffer.from(values.buffer, values.byteOffset, values.byteLength);

function maxAbs(values: Float32Array): number {
  let largest = 0;
  for (const value of values) largest = Math.max(largest, Math.abs(value));
  return largest;
}

function maxDifference(a: Float32Array, b: Float32Array): number {
  let largest = 0;
  for (let index = 0; index < a.length; index++)
    largest = Math.max(largest, Math.abs((a[index] as number) - (b[index] as number)));
  return largest;
}

describe('packed forward', () => {
  const params = weights(1);
  const vocab = config.vocabSize;

  it('gives every row of every packed sequence the same logits, bit for bit, as the sequence alone', () => {
    const shared = 20;
    const list = sequences();
    const packed = packSequences(list, shared);
    expect(packed.ids).toHaveLength(shared + 5 + 12 + 21);
    expect(packed.starts).toEqual([20, 25, 37]);
    const { logits } = model.forward(params, packed.ids, undefined, packed.packing);
    for (const [index, sequence] of list.entries()) {
      const alone = model.forward(params, sequence).logits;
      for (let position = 0; position < sequence.length; position++) {
        const row = position < shared ? position : (packed.starts[index] as number) + position - shared;
        expect(bits(logits.subarray(row * vocab, (row + 1) * vocab))).toEqual(
          bits(alone.subarray(position * vocab, (position + 1) * vocab)),
        );
      }
    }
  });

  it('computes only the logit rows asked for, with the same bits', () => {
    const shared = 20;
    const list = sequences(4);
    const packed = packSequences(list, shared);
    // The last three positions of each sequence.
    const rows = list.flatMap((sequence, index) =>
      [3, 2, 1].map((back) => (packed.starts[index] as number) + sequence.length - back - shared),
    );
    const { logits } = model.forward(params, packed.ids, rows, packed.packing);
    for (const [index, sequence] of list.entries()) {
      const positions = [3, 2, 1].map((back) => sequence.length - back);
      const alone = model.forward(params, sequence, positions).logits;
      expect(bits(logits.subarray(index * 3 * vocab, (index + 1) * 3 * vocab))).toEqual(bits(alone));
    }
  });

  it('backpropagates to the sum of the sequences’ own gradients, the shared rows once', () => {
    const shared = 20;
    const list = sequences(5);
    const packed = packSequences(list, shared);
    const random = createRandom(9);
    // Logit gradients on each sequence's own rows (the rows a loss may read).
    const rowsOf = list.map((sequence) => Array.from({ length: sequence.length - shared }, (_, own) => shared + own));
    const packedRows = rowsOf.flatMap((positions, index) =>
      positions.map((position) => (packed.starts[index] as number) + position - shared),
    );
    const logitsGrad = Float32Array.from({ length: packedRows.length * vocab }, () => random() - 0.5);
    const together = new Float32Array(model.layout.size);
    const { cache } = model.forward(params, packed.ids, packedRows, packed.packing);
    model.backward({ params, grads: together, cache, logitsGrad });

    const apart = new Float32Array(model.layout.size);
    let offset = 0;
    for (const [index, sequence] of list.entries()) {
      const positions = rowsOf[index] as number[];
      const own = model.forward(params, sequence, positions).cache;
      const grads = new Float32Array(model.layout.size);
      const count = positions.length * vocab;
      model.backward({ params, grads, cache: own, logitsGrad: logitsGrad.slice(offset, offset + count) });
      offset += count;
      for (let at = 0; at < grads.length; at++) apart[at] = (apart[at] as number) + (grads[at] as number);
    }
    const largest = maxAbs(apart);
    expect(largest).toBeGreaterThan(1e-2);
    expect(maxDifference(together, apart)).toBeLessThanOrEqual(1e-5 * largest);
    // The shared positions' embeddings got gradients from every sequence, not only the first.
    const layout = model.layout;
    const firstAlone = new Float32Array(model.layout.size);
    model.backward({
      params,
      grads: firstAlone,
      cache: model.forward(params, list[0] as number[], rowsOf[0]).cache,
      logitsGrad: logitsGrad.slice(0, (rowsOf[0] as number[]).length * vocab),
    });
    const position0 = layout.positionEmbedding;
    expect(Math.abs((together[position0] as number) - (firstAlone[position0] as number))).toBeGreaterThan(1e-6);
  });

  it('refuses to pack sequences that do not all continue the shared tokens', () => {
    const [a, b] = sequences(8) as [number[], number[]];
    expect(() => packSequences([a, [...b.slice(0, 5), (b[5] as number) + 1, ...b.slice(6)]], 20)).toThrow(
      'sequence 1 does not continue the 20 shared tokens',
    );
    expect(() => packSequences([a, b.slice(0, 20)], 20)).toThrow('sequence 1 does not continue the 20 shared tokens');
  });

  it('refuses a packed position past maxSeqLen', () => {
    const long = Array.from({ length: 70 }, (_, index) => index % config.vocabSize);
    const packed = packSequences([long.slice(0, 40), long], 20);
    expect(() => model.forward(params, packed.ids, undefined, packed.packing)).toThrow(
      'position 64 exceeds maxSeqLen 64',
    );
  });
});

describe('decoding', () => {
  it('gives each step the logits of the full forward pass at that position, bit for bit', () => {
    const params = weights(7);
    const ids = tokens(createRandom(8), 30);
    const { logits } = model.forward(params, ids);
    const decoder = new IncrementalDecoder(model, params);
    const size = config.vocabSize;
    for (const [position, id] of ids.entries())
      expect(bits(decoder.step(id)), `position ${position}`).toEqual(
        bits(logits.subarray(position * size, (position + 1) * size)),
      );
  });
});

describe('accumulateCluster', () => {
  const params = weights(2);
  // The reference differs from the weights, so the KL term and its gradient are not zero.
  const reference = Float32Array.from(params, (value, index) => value * (1 + 0.05 * Math.sin(index)));

  function samplesOf(list: number[][], shared: number): TrainingSample[] {
    const random = createRandom(11);
    return list.map((tokenIds, index) => ({
      tokenIds,
      // Trained from the first token after the shared ones, with an untrained stretch (a tool reply) in between.
      lossMask: tokenIds.map((_, position) => (position > shared && position % 7 !== 3 ? 1 : 0)),
      samplerLogprobs: tokenIds.map(() => -3 - random()),
      advantage: index === 1 ? -1 : 0.5 + index,
    }));
  }

  for (const [name, spec] of [
    ['without', { type: 'ppo', clipLow: 0.2, clipHigh: 0.28, aggregation: 'token-mean' }],
    [
      'with',
      { type: 'ppo', clipLow: 0.2, clipHigh: 0.28, aggregation: 'token-mean', kl: { beta: 0.1, estimator: 'k3' } },
    ],
  ] as const) {
    it(`packed, gives each sample’s sums bit for bit and the sum of their gradients, ${name} a KL term`, () => {
      const shared = 20;
      const samples = samplesOf(sequences(6), shared);
      const weightsOf = [0.03, 0.05, 0.02];
      const settings = { model, params, reference, spec: spec as LossSpec, temperature: 0.9 };
      const together = new Float32Array(model.layout.size);
      const packedSums = accumulateCluster({ ...settings, grads: together, samples, weights: weightsOf, shared });
      const apart = new Float32Array(model.layout.size);
      const apartSums = samples.map((sample, index) => {
        const grads = new Float32Array(model.layout.size);
        const [sums] = accumulateCluster({
          ...settings,
          grads,
          samples: [sample],
          weights: [weightsOf[index] as number],
          shared: 0,
        });
        for (let at = 0; at < grads.length; at++) apart[at] = (apart[at] as number) + (grads[at] as number);
        return sums;
      });
      expect(packedSums).toEqual(apartSums);
      if (name === 'with') expect(packedSums.every((sums) => sums.kl > 0)).toBe(true);
      const largest = maxAbs(apart);
      expect(largest).toBeGreaterThan(1e-3);
      expect(maxDifference(together, apart)).toBeLessThanOrEqual(1e-5 * largest);
    });
  }

  it('refuses a shared length that covers a row a loss reads', () => {
    // Trained from position 20: row 19, one of the 20 shared rows, predicts it.
    const samples = samplesOf(sequences(7), 19);
    expect(() =>
      accumulateCluster({
        model,
        params,
        reference,
        grads: new Float32Array(model.layout.size),
        samples,
        weights: [1, 1, 1],
        shared: 20,
        spec: { type: 'importance_sampling', aggregation: 'token-mean' },
        temperature: 1,
      }),
    ).toThrow('a shared row (19) is read by a loss');
  });
});
