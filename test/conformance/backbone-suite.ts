import type { Backbone, ChatMessage, TrainingSample } from '@ajet/spec';
import { expect } from 'vitest';

export interface BackboneUnderTest {
  name: string;
  /** A fresh backbone with the same initial weights every time. */
  create(): Promise<{ backbone: Backbone; dispose(): Promise<void> }>;
}

const conversation: ChatMessage[] = [
  { role: 'system', content: 'You are a calculator agent.' },
  { role: 'user', content: 'What is 12 plus 30?' },
];

async function decode(backbone: Backbone, ids: number[]): Promise<string> {
  return (await backbone.detokenize({ tokenIds: ids })).pieces.join('');
}

/** What every backbone must do; each check returns the observed values for cross-backbone comparison. */
export const conformanceChecks = {
  async info(backbone: Backbone) {
    const info = await backbone.getInfo();
    expect(info.model.length).toBeGreaterThan(0);
    expect(info.capabilities.maxModelLen).toBeGreaterThan(0);
    expect(info.policyVersion).toBe(0);
    return info;
  },

  async incrementalRendering(backbone: Backbone) {
    const prompt = (await backbone.renderChat({ messages: conversation })).tokenIds;
    const sampled = await backbone.sample({ promptIds: prompt, sampling: { temperature: 1, maxTokens: 8, seed: 1 } });
    const completion = sampled.completions[0];
    if (!completion) throw new Error('no completion');
    const sequence = [...prompt, ...completion.tokenIds];
    const messages: ChatMessage[] = [
      ...conversation,
      { role: 'assistant', content: completion.text },
      { role: 'user', content: 'next 42' },
    ];
    const increment = (await backbone.renderChat({ messages, prefix: { tokenIds: sequence, messageCount: 3 } }))
      .tokenIds;
    const text = await decode(backbone, [...sequence, ...increment]);
    expect(text.startsWith(await decode(backbone, prompt))).toBe(true);
    expect(text).toContain('next 42');
    return { prompt, increment };
  },

  async sampling(backbone: Backbone) {
    const prompt = (await backbone.renderChat({ messages: conversation })).tokenIds;
    const request = { promptIds: prompt, n: 3, sampling: { temperature: 1, maxTokens: 6, seed: 7 } };
    const first = await backbone.sample(request);
    const again = await backbone.sample(request);
    expect(first.completions).toHaveLength(3);
    expect(again.completions).toEqual(first.completions);
    for (const completion of first.completions) {
      expect(completion.logprobs).toHaveLength(completion.tokenIds.length);
      expect(completion.tokenIds.length).toBeLessThanOrEqual(6);
      if (completion.tokenIds.length === 6) expect(['length', 'stop']).toContain(completion.finishReason);
      for (const logprob of completion.logprobs) expect(logprob).toBeLessThanOrEqual(1e-6);
    }
    const short = await backbone.sample({ promptIds: prompt, sampling: { temperature: 1, maxTokens: 1, seed: 3 } });
    expect(short.completions[0]?.tokenIds).toHaveLength(1);
    return first.completions.map((completion) => ({ tokenIds: completion.tokenIds, logprobs: completion.logprobs }));
  },

  /** A model call as the runtime makes it: SampleChat must equal RenderChat then Sample where a backbone has it. */
  async sampleChat(backbone: Backbone) {
    const sampling = { temperature: 1, maxTokens: 6, seed: 13 };
    const renderedIds = (await backbone.renderChat({ messages: conversation })).tokenIds;
    const sampled = await backbone.sample({ promptIds: renderedIds, n: 2, sampling });
    if (backbone.sampleChat) {
      const both = await backbone.sampleChat({ messages: conversation, n: 2, sampling });
      expect(both).toEqual({ renderedIds, ...sampled });
    }
    return { renderedIds, ...sampled };
  },

  async training(backbone: Backbone) {
    const prompt = (await backbone.renderChat({ messages: conversation })).tokenIds;
    // top-p truncates what is sampled, never the logprobs reported (backbone.ts Completion.logprobs).
    const [completion] = (
      await backbone.sample({ promptIds: prompt, sampling: { temperature: 1, topP: 0.9, maxTokens: 6, seed: 11 } })
    ).completions;
    if (!completion) throw new Error('no completion');
    const sample: TrainingSample = {
      tokenIds: [...prompt, ...completion.tokenIds],
      lossMask: [...prompt.map(() => 0), ...completion.tokenIds.map(() => 1)],
      samplerLogprobs: [...prompt.map(() => 0), ...completion.logprobs],
      advantage: 1,
    };
    const result = await backbone.forwardBackward({
      samples: [sample, { ...sample, advantage: -0.5 }],
      loss: { type: 'ppo', clipLow: 0.2, clipHigh: 0.28, aggregation: 'token-mean' },
    });
    expect(Number.isFinite(result.loss)).toBe(true);
    // The sampler logprobs are this policy's, so every ratio is 1 and the loss is -mean(A) = -(1 - 0.5) / 2.
    expect(result.loss).toBeCloseTo(-0.25, 4);
    const step = await backbone.optimStep({
      learningRate: 1e-3,
      beta1: 0.9,
      beta2: 0.999,
      eps: 1e-8,
      weightDecay: 0,
      maxGradNorm: 1,
    });
    expect(step.policyVersion).toBe(1);
    expect((await backbone.getInfo()).policyVersion).toBe(1);
    const after = await backbone.sample({ promptIds: prompt, sampling: { temperature: 1, maxTokens: 6, seed: 11 } });
    expect(after.policyVersion).toBe(1);
    return { loss: result.loss, gradNorm: step.gradNorm };
  },

  /** `folder` is a folder here for an in-process backbone, a name under the state root for a server. */
  async saveAndLoad(backbone: Backbone, folder: string) {
    const prompt = (await backbone.renderChat({ messages: conversation })).tokenIds;
    const saved = await backbone.saveState({ path: folder, includeOptimizer: true });
    expect(saved.path.startsWith('/')).toBe(true);
    const before = await backbone.sample({ promptIds: prompt, sampling: { temperature: 0, maxTokens: 5 } });
    await backbone.forwardBackward({
      samples: [
        {
          tokenIds: prompt,
          lossMask: prompt.map((_, index) => (index > 2 ? 1 : 0)),
          samplerLogprobs: prompt.map(() => -1),
          advantage: 1,
        },
      ],
      loss: { type: 'cross_entropy', aggregation: 'token-mean' },
    });
    await backbone.optimStep({
      learningRate: 5e-2,
      beta1: 0.9,
      beta2: 0.999,
      eps: 1e-8,
      weightDecay: 0,
      maxGradNorm: 0,
    });
    await backbone.loadState({ path: folder, includeOptimizer: true });
    const restored = await backbone.sample({ promptIds: prompt, sampling: { temperature: 0, maxTokens: 5 } });
    expect(restored.completions).toEqual(before.completions);
    expect((await backbone.getInfo()).policyVersion).toBe(0);
  },
};
