import { fileURLToPath } from 'node:url';
import type { ForwardBackwardRequest, ForwardBackwardResponse } from '@ajet/spec';
import { RecordingBackbone } from '@ajet/spec/test';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load-config.ts';
import { lossSpecOf, miniBatchesOf, Optimiser } from './optimise.ts';

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

const BASE = fileURLToPath(new URL('../config/__fixtures__/base.yaml', import.meta.url));
const configWith = (...sets: string[]) => loadConfig({ file: BASE, sets }).config;

/** Three groups' samples: 2, 1 and 2 of them; each masks two tokens. */
const samples = [1, -1, 0.5, 2, -2].map((advantage) => ({
  tokenIds: [1, 2, 3],
  lossMask: [0, 1, 1],
  samplerLogprobs: [0, -0.5, -0.5],
  advantage,
}));
const groupEnds = [2, 3, 5];

/** Reports a non-finite loss on the forward-backward calls whose numbers are listed. */
class NonFiniteBackbone extends RecordingBackbone {
  constructor(private readonly nonFiniteCalls: readonly number[]) {
    super();
  }
  override async forwardBackward(request: ForwardBackwardRequest): Promise<ForwardBackwardResponse> {
    const call = this.forwardBackwardCalls.length;
    const response = await super.forwardBackward(request);
    return this.nonFiniteCalls.includes(call) ? { ...response, loss: Number.NaN } : response;
  }
}

describe('Optimiser', () => {
  it('runs ppo_epochs passes over mini-batches of whole groups with the configured loss and optimiser, every update at the step’s lr', async () => {
    const config = configWith(
      'algorithm.ppo_mini_batch_size=2',
      'algorithm.ppo_epochs=2',
      'algorithm.loss=ppo',
      'algorithm.kl_beta=0.1',
      'trainer_common.optim.lr=0.5',
    );
    const backbone = new RecordingBackbone();
    const metrics = await new Optimiser({ backbone, config }).optimise(samples, groupEnds, {
      learningRate: 0.25,
      step: 1,
    });
    expect(backbone.forwardBackwardCalls.map((call) => call.samples.map((sample) => sample.advantage))).toEqual([
      [1, -1, 0.5],
      [2, -2],
      [1, -1, 0.5],
      [2, -2],
    ]);
    expect(backbone.forwardBackwardCalls[0]?.loss).toEqual(lossSpecOf(config.algorithm));
    expect(lossSpecOf(config.algorithm)).toMatchObject({ type: 'ppo', kl: { beta: 0.1, estimator: 'k3' } });
    expect(backbone.forwardBackwardCalls[0]?.temperature).toBe(0.7);
    // The schedule moves per training step, not per update: the step's lr, not optim.lr, for all four.
    expect(backbone.optimStepCalls.map((call) => call.learningRate)).toEqual([0.25, 0.25, 0.25, 0.25]);
    // The recording loss is -mean(advantage) over masked tokens; the metrics are the last pass's mean.
    expect(metrics).toEqual({
      'train/skipped_nonfinite_updates': 0,
      'train/policy_version': 4,
      'train/loss': (-(1 - 1 + 0.5) / 3 + 0) / 2,
      'train/grad_norm': 0,
      'train/tokens': 5,
      'train/mini_batches': 2,
    });
  });

  it('leaves non-finite updates out of the loss mean, counts them, and warns per step until the limit stops the run', async () => {
    const config = configWith('algorithm.ppo_mini_batch_size=1', 'trainer_common.max_nonfinite_steps_in_row=2');
    const optimiser = new Optimiser({ backbone: new NonFiniteBackbone([1]), config });
    const metrics = await optimiser.optimise(samples, groupEnds, { learningRate: 1e-6, step: 1 });
    expect(metrics['train/skipped_nonfinite_updates']).toBe(1);
    expect(metrics['train/mini_batches']).toBe(3);
    // Mini-batches 0 and 2 applied: losses -0 and 0.
    expect(metrics['train/loss']).toBe(0);
    expect(optimiser.endStep(1, metrics)).toMatch(/^step 1: 1 of 3 updates skipped/);
    expect(() => optimiser.endStep(2, metrics)).toThrow(/Step 2: 2 trained steps in a row/);
  });

  it('makes one update of the whole batch by default, and then reports no mini-batch count', async () => {
    const backbone = new RecordingBackbone();
    const metrics = await new Optimiser({ backbone, config: configWith() }).optimise(samples, groupEnds, {
      learningRate: 1e-6,
      step: 1,
    });
    expect(backbone.forwardBackwardCalls.map((call) => call.samples.length)).toEqual([5]);
    expect(metrics).not.toHaveProperty('train/mini_batches');
    expect(metrics['train/policy_version']).toBe(1);
  });

  it('says nothing at the end of a step that did not train', () => {
    const optimiser = new Optimiser({ backbone: new RecordingBackbone(), config: configWith() });
    expect(optimiser.endStep(1, {})).toBeUndefined();
  });
});
