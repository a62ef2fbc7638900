import { BackboneRequestError, type LossSpec, type OptimStepRequest, type TrainingSample } from '@ajet/spec';
import { describe, expect, it } from 'vitest';
import { tinyBackbone } from './__fixtures__/tiny-backbone.ts';

const loss: LossSpec = { type: 'ppo', clipLow: 0.2, clipHigh: 0.2, aggregation: 'token-mean' };
const optim: OptimStepRequest = {
  learningRate: 1e-2,
  beta1: 0.9,
  beta2: 0.999,
  eps: 1e-8,
  weightDecay: 0,
  maxGradNorm: 1,
};

function sample(overrides: Partial<TrainingSample> = {}): TrainingSample {
  return {
    tokenIds: [3, 4, 5, 6, 7],
    lossMask: [0, 0, 1, 1, 1],
    samplerLogprobs: [0, 0, -2, -2, -2],
    advantage: 1,
    ...overrides,
  };
}

const allFinite = (values: Float32Array) => values.every((value) => Number.isFinite(value));

describe('TinyLmBackbone never applies a bad update', () => {
  it('refuses a target id outside the vocabulary, naming it; the weights and gradients stay as they were', async () => {
    const backbone = tinyBackbone();
    const before = new Float32Array(backbone.params);
    const { vocabSize } = backbone.model.config;
    const bad = sample({ tokenIds: [3, 4, vocabSize + 50, 6, 7] });
    const refused = backbone.forwardBackward({ samples: [sample(), bad], loss });
    await expect(refused).rejects.toBeInstanceOf(BackboneRequestError);
    await expect(refused).rejects.toThrow(
      `samples[1].tokenIds[2]=${vocabSize + 50} is outside the vocabulary (0..${vocabSize - 1})`,
    );
    expect(backbone.grads.every((value) => value === 0)).toBe(true);
    const { policyVersion } = await backbone.optimStep(optim);
    expect(policyVersion).toBe(1);
    expect(allFinite(backbone.params)).toBe(true);
    expect(backbone.params).toEqual(before);
  });

  it('refuses a NaN advantage, naming it', async () => {
    const backbone = tinyBackbone();
    await expect(backbone.forwardBackward({ samples: [sample({ advantage: Number.NaN })], loss })).rejects.toThrow(
      'samples[0].advantage=NaN',
    );
  });

  it.each([1, 2])(
    'skips a step whose gradients overflow (%i threads): weights, version kept, gradients zeroed',
    async (trainThreads) => {
      const backbone = tinyBackbone({ trainThreads });
      const before = new Float32Array(backbone.params);
      // Finite in a double, past float32's range in the gradient buffer; with 2 threads the second sample's gradient
      // comes from the worker thread.
      const samples = [sample({ tokenIds: [7, 6, 5, 4, 3] }), sample({ advantage: 1e300 })];
      const result = await backbone.forwardBackward({ samples, loss });
      const skipped = await backbone.optimStep(optim);
      expect(Number.isFinite(result.loss) && Number.isFinite(skipped.gradNorm)).toBe(false);
      expect(skipped.policyVersion).toBe(0);
      expect(backbone.params).toEqual(before);
      expect(backbone.grads.every((value) => value === 0)).toBe(true);
      // The next good batch trains as if the bad one never came.
      await backbone.forwardBackward({ samples: [sample()], loss });
      const applied = await backbone.optimStep(optim);
      expect(applied.policyVersion).toBe(1);
      expect(Number.isFinite(applied.gradNorm)).toBe(true);
      expect(allFinite(backbone.params)).toBe(true);
      expect(backbone.params).not.toEqual(before);
      await backbone.close();
    },
  );

  it('skips a step after a non-finite loss even when the gradients are finite', async () => {
    const backbone = tinyBackbone();
    const before = new Float32Array(backbone.params);
    // A logprob the sampler could not have given makes the ratio overflow; clipping keeps the gradient at 0.
    const result = await backbone.forwardBackward({
      samples: [sample({ samplerLogprobs: [0, 0, -1e6, -2, -2], advantage: -1 })],
      loss: { type: 'importance_sampling', aggregation: 'token-mean' },
    });
    const update = await backbone.optimStep(optim);
    if (Number.isFinite(result.loss)) return expect.fail(`expected a non-finite loss, got ${result.loss}`);
    expect(Number.isFinite(update.gradNorm)).toBe(false);
    expect(update.policyVersion).toBe(0);
    expect(backbone.params).toEqual(before);
  });
});
