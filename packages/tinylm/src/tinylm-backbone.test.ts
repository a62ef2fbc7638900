import type { LossSpec, TrainingSample } from '@ajet/spec';
import { describe, expect, it } from 'vitest';
import { tinyBackbone } from './__fixtures__/tiny-backbone.ts';
import { logSoftmaxAt } from './internal/kernels.ts';
import { clusterSamples } from './internal/prefix-clusters.ts';
import { IM_END } from './tokenizer.ts';

const prompt = [{ role: 'user' as const, content: 'What is 12 plus 30?' }];

async function sampledSequence(temperature: number) {
  const backbone = tinyBackbone();
  const { tokenIds: promptIds } = await backbone.renderChat({ messages: prompt });
  const { completions } = await backbone.sample({ promptIds, sampling: { temperature, maxTokens: 12, seed: 5 } });
  const [completion] = completions;
  if (!completion) throw new Error('no completion');
  return { backbone, promptIds, completion };
}

/** The loss of `samples` at the current weights, without changing gradients. */
async function lossAt(
  backbone: ReturnType<typeof tinyBackbone>,
  samples: TrainingSample[],
  loss: LossSpec,
  temperature = 1,
) {
  const result = await backbone.forwardBackward({ samples, loss, temperature });
  await backbone.optimStep({ learningRate: 0, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, maxGradNorm: 0 });
  return result.loss;
}

function sampleFrom(
  promptIds: number[],
  completion: { tokenIds: number[]; logprobs: number[] },
  advantage: number,
): TrainingSample {
  return {
    tokenIds: [...promptIds, ...completion.tokenIds],
    lossMask: [...promptIds.map(() => 0), ...completion.tokenIds.map(() => 1)],
    samplerLogprobs: [...promptIds.map(() => 0), ...completion.logprobs],
    advantage,
  };
}

/** The tutorial's loss: PPO clipping with a k3 KL term to the loaded weights. */
const PPO_WITH_KL: LossSpec = {
  type: 'ppo',
  clipLow: 0.2,
  clipHigh: 0.28,
  aggregation: 'token-mean',
  kl: { beta: 0.1, estimator: 'k3' },
};
describe('TinyLmBackbone', () => {
  it('samples deterministically for a seed', async () => {
    const a = await sampledSequence(1);
    const b = await sampledSequence(1);
    expect(a.completion).toEqual(b.completion);
    expect(a.completion.logprobs).toHaveLength(a.completion.tokenIds.length);
  });

  it('continues cached prompt states exactly as reading the prompt afresh, for a group and a later turn', async () => {
    const cached = tinyBackbone();
    const { tokenIds: promptIds } = await cached.renderChat({ messages: prompt });
    const sampling = { temperature: 1, maxTokens: 10, seed: 11 };
    const first = await cached.sample({ promptIds, n: 4, sampling });
    const [completion] = first.completions;
    if (!completion) throw new Error('no completion');
    const { tokenIds: reply } = await cached.renderChat({
      messages: [{ role: 'user', content: '<output>42</output>' }],
    });
    const secondPrompt = [...promptIds, ...completion.tokenIds, ...reply];
    const second = await cached.sample({ promptIds: secondPrompt, n: 2, sampling });
    // Three of the first group's completions and both of the second turn's started from cached states.
    const stats = cached.prefixCacheStats();
    expect(stats.hits).toBe(5);
    expect(stats.tokensSkipped).toBeGreaterThan(3 * promptIds.length + 2 * (promptIds.length + 1));

    const fresh = () => tinyBackbone();
    expect((await fresh().sample({ promptIds, n: 4, sampling })).completions).toEqual(first.completions);
    expect((await fresh().sample({ promptIds: secondPrompt, n: 2, sampling })).completions).toEqual(second.completions);
  });

  it('forgets cached prompt states when the weights change', async () => {
    const backbone = tinyBackbone();
    const { tokenIds: promptIds } = await backbone.renderChat({ messages: prompt });
    const sampling = { temperature: 0, maxTokens: 10, seed: 3 };
    await backbone.sample({ promptIds, sampling });
    const changed = backbone.params.map((value, index) => value + 0.05 * Math.sin(index));
    backbone.setParams(changed);
    const reference = tinyBackbone();
    reference.setParams(changed);
    const expected = await reference.sample({ promptIds, sampling });
    expect(await backbone.sample({ promptIds, sampling })).toEqual(expected);
    // Written in place, then announced.
    backbone.params.set(changed.map((value) => -value));
    backbone.paramsChanged();
    reference.setParams(changed.map((value) => -value));
    expect(await backbone.sample({ promptIds, sampling })).toEqual(await reference.sample({ promptIds, sampling }));
  });

  it("reports sampler logprobs equal to the training forward's at the same weights and temperature", async () => {
    for (const temperature of [1, 0.7]) {
      const { backbone, promptIds, completion } = await sampledSequence(temperature);
      const ids = [...promptIds, ...completion.tokenIds];
      const { logits } = backbone.model.forward(backbone.params, ids);
      completion.tokenIds.forEach((token, index) => {
        const position = promptIds.length + index;
        const logprob = logSoftmaxAt({
          logits,
          offset: (position - 1) * backbone.model.config.vocabSize,
          size: backbone.model.config.vocabSize,
          temperature,
          target: token,
        });
        expect(Math.abs(logprob - (completion.logprobs[index] as number))).toBeLessThan(1e-5);
      });
      const result = await backbone.forwardBackward({
        samples: [sampleFrom(promptIds, completion, 1)],
        loss: { type: 'ppo', clipLow: 0.2, clipHigh: 0.2, aggregation: 'token-mean' },
        temperature,
      });
      expect(result.metrics.ratio_mean).toBeCloseTo(1, 5);
      expect(result.metrics.clip_frac).toBe(0);
    }
  });

  it('stops at the end-of-turn token, a stop string or max_tokens', async () => {
    const backbone = tinyBackbone();
    const { tokenIds: promptIds } = await backbone.renderChat({ messages: prompt });
    for (let seed = 0; seed < 20; seed++) {
      const [completion] = (await backbone.sample({ promptIds, sampling: { temperature: 1.5, maxTokens: 6, seed } }))
        .completions;
      if (!completion) throw new Error('no completion');
      expect(completion.tokenIds.length).toBeLessThanOrEqual(6);
      if (completion.finishReason === 'stop') expect(completion.tokenIds.at(-1)).toBe(IM_END);
      else expect(completion.tokenIds).toHaveLength(6);
    }
  });

  it('gradients of every loss spec match finite differences', async () => {
    const { backbone, promptIds, completion } = await sampledSequence(1);
    // Move the weights a little from the sampler's so ratios differ from 1 and clipping matters.
    const specs: LossSpec[] = [
      { type: 'cross_entropy', aggregation: 'token-mean' },
      { type: 'importance_sampling', aggregation: 'seq-mean' },
      { type: 'ppo', clipLow: 0.2, clipHigh: 0.28, aggregation: 'token-mean' },
      {
        type: 'ppo',
        clipLow: 0.2,
        clipHigh: 0.28,
        dualClip: 3,
        aggregation: 'seq-mean',
        kl: { beta: 0.5, estimator: 'k3' },
      },
    ];
    const samples = [
      sampleFrom(promptIds, completion, 1.3),
      {
        ...sampleFrom(promptIds, completion, -0.7),
        samplerLogprobs: sampleFrom(promptIds, completion, 0).samplerLogprobs.map((value) =>
          value === 0 ? 0 : value + 0.05,
        ),
      },
    ];
    // One parameter from each block: embeddings, every layer's norms, attention and MLP weights, the final norm.
    const { layout } = backbone.model;
    const d = backbone.model.config.dModel;
    const tokenOfPrompt = (promptIds[3] as number) * d + 2;
    const probe = [
      layout.tokenEmbedding + tokenOfPrompt,
      layout.positionEmbedding + 5 * d + 1,
      ...layout.layers.flatMap((layer) => [
        layer.norm1 + 3,
        layer.wq + 37,
        layer.wk + 41,
        layer.wv + 43,
        layer.wo + 47,
        layer.norm2 + 5,
        layer.w1 + 53,
        layer.w2 + 59,
      ]),
      layout.finalNorm + 7,
    ];
    for (const spec of specs) {
      await backbone.forwardBackward({ samples, loss: spec, temperature: 0.9 });
      const grads = new Float32Array((backbone as unknown as { grads: Float32Array }).grads);
      await backbone.optimStep({
        learningRate: 0,
        beta1: 0.9,
        beta2: 0.999,
        eps: 1e-8,
        weightDecay: 0,
        maxGradNorm: 0,
      });
      for (const index of probe) {
        const original = backbone.params[index] as number;
        const step = 1e-3;
        backbone.params[index] = original + step;
        const plus = await lossAt(backbone, samples, spec, 0.9);
        backbone.params[index] = original - step;
        const minus = await lossAt(backbone, samples, spec, 0.9);
        backbone.params[index] = original;
        const numeric = (plus - minus) / (2 * step);
        const analytic = grads[index] as number;
        expect(
          Math.abs(numeric - analytic),
          `${spec.type} param ${index}: numeric ${numeric} analytic ${analytic}`,
        ).toBeLessThan(2e-3 + 0.05 * Math.abs(numeric));
      }
    }
  });

  it('saves and loads weights and optimizer state exactly', async () => {
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { backbone, promptIds, completion } = await sampledSequence(1);
    await backbone.forwardBackward({
      samples: [sampleFrom(promptIds, completion, 1)],
      loss: { type: 'importance_sampling', aggregation: 'token-mean' },
    });
    await backbone.optimStep({
      learningRate: 1e-2,
      beta1: 0.9,
      beta2: 0.999,
      eps: 1e-8,
      weightDecay: 0,
      maxGradNorm: 1,
    });
    const folder = join(mkdtempSync(join(tmpdir(), 'tinylm-')), 'state');
    await backbone.saveState({ path: folder, includeOptimizer: true });
    const restored = tinyBackbone({ seed: 99 });
    await restored.loadState({ path: folder, includeOptimizer: true });
    expect(restored.params).toEqual(backbone.params);
    expect((await restored.getInfo()).policyVersion).toBe(1);
    const step = { learningRate: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, maxGradNorm: 1 };
    for (const model of [backbone, restored]) {
      await model.forwardBackward({
        samples: [sampleFrom(promptIds, completion, 1)],
        loss: { type: 'importance_sampling', aggregation: 'token-mean' },
      });
      await model.optimStep(step);
    }
    expect(restored.params).toEqual(backbone.params);
  });

  it('computes bit-identical loss, metrics, gradients and weights on 1, 2 and 3 threads', async () => {
    const prompts = ['What is 12 plus 30?', 'What is 30 plus 12?', 'The answer is 42.'];
    const loss = PPO_WITH_KL;
    const one = tinyBackbone();
    const others = [tinyBackbone({ trainThreads: 2 }), tinyBackbone({ trainThreads: 3 })];
    try {
      const samples: TrainingSample[] = [];
      for (const [index, content] of prompts.entries()) {
        const { tokenIds: promptIds } = await one.renderChat({ messages: [{ role: 'user', content }] });
        const { completions } = await one.sample({
          promptIds,
          n: 2,
          sampling: { temperature: 1.2, maxTokens: 6 + 3 * index, seed: index },
        });
        for (const completion of completions) samples.push(sampleFrom(promptIds, completion, index - 0.8));
      }
      // A sample with nothing to train and a batch split unevenly over the threads.
      samples.push({
        ...(samples[0] as TrainingSample),
        lossMask: (samples[0] as TrainingSample).lossMask.map(() => 0),
      });
      const step = { learningRate: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, maxGradNorm: 1 };
      for (let round = 0; round < 2; round++) {
        const a = await one.forwardBackward({ samples, loss, temperature: 1.2 });
        expect(Math.max(...Array.from(one.grads, Math.abs))).toBeGreaterThan(1e-3);
        for (const other of others) {
          const b = await other.forwardBackward({ samples, loss, temperature: 1.2 });
          // Sums in one order whatever the thread count: the same bits, not merely close.
          expect(b).toEqual(a);
          expect(Buffer.from(other.grads.buffer).equals(Buffer.from(one.grads.buffer))).toBe(true);
        }
        // The workers read the weights the optimizer wrote in place.
        await one.optimStep(step);
        for (const other of others) await other.optimStep(step);
      }
      for (const other of others) expect(Array.from(other.params)).toEqual(Array.from(one.params));
    } finally {
      for (const other of others) await other.close();
    }
  });

  it('packs groups that share a prompt: the loss and metrics bits of training each sample alone, the gradient within rounding, the same bits on 1, 2 and 3 threads', async () => {
    const system = { role: 'system' as const, content: 'The answer is 42. operation: add operands' };
    const questions = ['What is 12 plus 30?', 'What is 30 plus 12?', 'The answer is 42.'];
    const loss = PPO_WITH_KL;
    const one = tinyBackbone({ maxSeqLen: 96 });
    const apart = tinyBackbone({ maxSeqLen: 96, sharePrefixes: false });
    const others = [tinyBackbone({ maxSeqLen: 96, trainThreads: 2 }), tinyBackbone({ maxSeqLen: 96, trainThreads: 3 })];
    try {
      const samples: TrainingSample[] = [];
      let shortest = Number.POSITIVE_INFINITY;
      for (const [index, content] of questions.entries()) {
        const { tokenIds: promptIds } = await one.renderChat({ messages: [system, { role: 'user', content }] });
        shortest = Math.min(shortest, promptIds.length);
        const { completions } = await one.sample({
          promptIds,
          n: 2 + index,
          sampling: { temperature: 1.2, maxTokens: 6 + 3 * index, seed: index },
        });
        for (const completion of completions) samples.push(sampleFrom(promptIds, completion, index - 0.8));
      }
      // A sample alone (its prompt shares few tokens with the others).
      const { tokenIds: lonePrompt } = await one.renderChat({ messages: [{ role: 'user', content: 'operation' }] });
      const [lone] = (await one.sample({ promptIds: lonePrompt, n: 1, sampling: { temperature: 1, maxTokens: 5 } }))
        .completions;
      if (!lone) throw new Error('no completion');
      samples.splice(2, 0, sampleFrom(lonePrompt, lone, 1));
      // The groups' prompts are long enough to be packed; the lone sample is not.
      expect(shortest).toBeGreaterThan(17);
      expect(clusterSamples(samples).map(({ size, shared }) => [size, shared > 0])).toEqual([
        [2, true],
        [1, false],
        [3, true],
        [4, true],
      ]);
      const a = await one.forwardBackward({ samples, loss, temperature: 1.2 });
      const b = await apart.forwardBackward({ samples, loss, temperature: 1.2 });
      // Every token's logits are the same bits packed or not, so the loss and the metrics are too.
      expect(a).toEqual(b);
      const largest = Math.max(...Array.from(apart.grads, Math.abs));
      expect(largest).toBeGreaterThan(1e-3);
      let difference = 0;
      for (let index = 0; index < one.grads.length; index++)
        difference = Math.max(difference, Math.abs((one.grads[index] as number) - (apart.grads[index] as number)));
      expect(difference).toBeLessThanOrEqual(1e-5 * largest);
      for (const other of others) {
        expect(await other.forwardBackward({ samples, loss, temperature: 1.2 })).toEqual(a);
        expect(Buffer.from(other.grads.buffer).equals(Buffer.from(one.grads.buffer))).toBe(true);
      }
    } finally {
      for (const other of [...others, apart]) await other.close();
    }
  });

  it('rejects a batch too long for the model, naming the sample, and trains the next batch', async () => {
    const backbone = tinyBackbone({ trainThreads: 2, maxSeqLen: 24 });
    const unheard: unknown[] = [];
    const listen = (reason: unknown) => unheard.push(reason);
    process.on('unhandledRejection', listen);
    try {
      const tooLong: TrainingSample = {
        tokenIds: Array.from({ length: 30 }, (_, index) => 3 + (index % 5)),
        lossMask: Array.from({ length: 30 }, (_, index) => (index > 20 ? 1 : 0)),
        samplerLogprobs: Array.from({ length: 30 }, () => -1),
        advantage: 1,
      };
      const loss: LossSpec = { type: 'importance_sampling', aggregation: 'token-mean' };
      await expect(backbone.forwardBackward({ samples: [tooLong, tooLong], loss })).rejects.toThrow(
        'samples[0].tokenIds has 30 tokens; the model reads at most 24',
      );
      const fits = {
        ...tooLong,
        tokenIds: tooLong.tokenIds.slice(0, 20),
        lossMask: tooLong.lossMask.slice(6, 26),
        samplerLogprobs: tooLong.samplerLogprobs.slice(0, 20),
      };
      const { metrics } = await backbone.forwardBackward({ samples: [fits, fits], loss });
      expect(metrics.tokens).toBe(10);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(unheard).toEqual([]);
    } finally {
      process.off('unhandledRejection', listen);
      await backbone.close();
    }
  });
});
