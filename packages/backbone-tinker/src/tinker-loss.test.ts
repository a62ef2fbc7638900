import type { ForwardBackwardRequest, LossSpec, TrainingSample } from '@ajet/spec';
import { describe, expect, it } from 'vitest';
import { type TensorData, tensor, tensorValues } from './protocol.ts';
import { lossFromTinkerOutput, tinkerForwardBackwardInput } from './tinker-loss.ts';

const samples: TrainingSample[] = [
  { tokenIds: [1, 2, 3, 4], lossMask: [0, 0, 1, 1], samplerLogprobs: [0, 0, -0.5, -0.25], advantage: 1 },
  { tokenIds: [5, 6, 7], lossMask: [0, 1, 1], samplerLogprobs: [0, -1, -0.75], advantage: -0.5 },
  { tokenIds: [8, 9, 10, 11, 12], lossMask: [0, 0, 0, 1, 0], samplerLogprobs: [0, 0, 0, -2, 0], advantage: 2 },
];
/** The policy's logprob of each token under the trained weights (index 0 unused), as Tinker would return. */
const policyLogprobs = [
  [0, -0.1, -0.9, -0.05],
  [0, -1.4, -0.3],
  [0, -3, -1, -1.2, -0.7],
];

/** ajet's loss, written straight from the LossSpec doc in @ajet/spec's backbone.ts. */
function ajetLoss(request: ForwardBackwardRequest): number {
  const { loss } = request;
  const perSample = request.samples.map((sample, index) => {
    const values: number[] = [];
    sample.tokenIds.forEach((_, position) => {
      if (!sample.lossMask[position]) return;
      const logp = policyLogprobs[index]?.[position] ?? 0;
      const ratio = Math.exp(logp - (sample.samplerLogprobs[position] ?? 0));
      const advantage = sample.advantage;
      if (loss.type === 'cross_entropy') values.push(-logp);
      else if (loss.type === 'importance_sampling') values.push(-advantage * ratio);
      else {
        const clipped = Math.min(Math.max(ratio, 1 - loss.clipLow), 1 + loss.clipHigh);
        values.push(Math.max(-advantage * ratio, -advantage * clipped));
      }
    });
    return values;
  });
  const scale = request.lossScale ?? 1;
  if (loss.aggregation === 'token-mean') {
    const all = perSample.flat();
    return (scale * all.reduce((sum, value) => sum + value, 0)) / all.length;
  }
  const means = perSample.filter((values) => values.length > 0).map((v) => v.reduce((s, x) => s + x, 0) / v.length);
  return (scale * means.reduce((sum, value) => sum + value, 0)) / means.length;
}

/** Tinker's loss on the mapped body: its documented sums over target positions. */
function tinkerSum(request: ForwardBackwardRequest): number {
  const input = tinkerForwardBackwardInput(request);
  let total = 0;
  input.data.forEach((datum, index) => {
    const inputs = datum.loss_fn_inputs as Record<string, TensorData>;
    const targets = tensorValues(inputs.target_tokens as TensorData);
    targets.forEach((_, position) => {
      const logp = policyLogprobs[index]?.[position + 1] ?? 0;
      if (input.loss_fn === 'cross_entropy') {
        total += -(tensorValues(inputs.weights as TensorData)[position] ?? 0) * logp;
        return;
      }
      const advantage = tensorValues(inputs.advantages as TensorData)[position] ?? 0;
      const ratio = Math.exp(logp - (tensorValues(inputs.logprobs as TensorData)[position] ?? 0));
      if (input.loss_fn === 'importance_sampling') total += -advantage * ratio;
      else {
        const low = Number(input.loss_fn_config?.clip_low_threshold);
        const high = Number(input.loss_fn_config?.clip_high_threshold);
        total += -Math.min(ratio * advantage, Math.min(Math.max(ratio, low), high) * advantage);
      }
    });
  });
  return total;
}

const outputs = policyLogprobs.map((logprobs) => ({ logprobs: tensor(logprobs.slice(1), 'float32') }));

const losses: LossSpec[] = [
  { type: 'cross_entropy', aggregation: 'token-mean' },
  { type: 'cross_entropy', aggregation: 'seq-mean' },
  { type: 'importance_sampling', aggregation: 'token-mean' },
  { type: 'importance_sampling', aggregation: 'seq-mean' },
  { type: 'ppo', clipLow: 0.2, clipHigh: 0.28, aggregation: 'token-mean' },
  { type: 'ppo', clipLow: 0.2, clipHigh: 0.28, aggregation: 'seq-mean' },
];

describe('ajet losses as Tinker loss functions', () => {
  it.each(losses)('$type $aggregation: Tinker’s sum on the mapped body equals ajet’s loss', (loss) => {
    for (const lossScale of [1, 0.5]) {
      const request: ForwardBackwardRequest = { samples, loss, lossScale };
      const expected = ajetLoss(request);
      expect(tinkerSum(request)).toBeCloseTo(expected, 12);
      expect(lossFromTinkerOutput({ request, outputs }).loss).toBeCloseTo(expected, 12);
    }
  });

  it('shifts inputs by one: model_input is tokens[:-1], target_tokens tokens[1:]', () => {
    const input = tinkerForwardBackwardInput({ samples, loss: losses[4] as LossSpec });
    expect(input.loss_fn).toBe('ppo');
    expect(input.loss_fn_config).toEqual({ clip_low_threshold: 0.8, clip_high_threshold: 1.28 });
    expect(input.data[0]?.model_input.chunks[0]?.tokens).toEqual([1, 2, 3]);
    expect(input.data[0]?.loss_fn_inputs.target_tokens).toEqual({ data: [2, 3, 4], dtype: 'int64', shape: [3] });
    expect(input.data[1]?.loss_fn_inputs.logprobs?.data).toEqual([-1, -0.75]);
  });

  it('refuses what Tinker has no equivalent for, saying which', () => {
    const ppo = { type: 'ppo', clipLow: 0.2, clipHigh: 0.2, aggregation: 'token-mean' } as const;
    expect(() => tinkerForwardBackwardInput({ samples, loss: { ...ppo, dualClip: 3 } })).toThrow(
      /ppo dualClip 3 is not supported by Tinker/,
    );
    expect(() =>
      tinkerForwardBackwardInput({
        samples,
        loss: { type: 'importance_sampling', aggregation: 'token-mean', kl: { beta: 0.1, estimator: 'k3' } },
      }),
    ).toThrow(/KL penalty \(beta 0.1\) is not supported by Tinker/);
    expect(() => tinkerForwardBackwardInput({ samples, loss: ppo, temperature: 0.7 })).toThrow(
      /temperature 0.7 is not supported/,
    );
  });
});
