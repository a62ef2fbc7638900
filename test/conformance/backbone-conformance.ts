import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backbone, ChatMessage, ForwardBackwardRequest, TrainingSample } from '../../packages/spec/src/index.ts';

export interface BackboneUnderTest {
  backbone: Backbone;
  /** Stops whatever serves the backbone; called after `backbone.close()`. */
  dispose?: () => Promise<void>;
}

export interface ConformanceTarget {
  name: string;
  /** A fresh backbone at policy version 0; called once per suite. */
  create: () => Promise<BackboneUnderTest>;
  /** Whether rendering a prefix plus its increment equals rendering the whole conversation. */
  incrementalRenderMatchesFull?: boolean;
}

export const conversation: ChatMessage[] = [
  { role: 'system', content: 'You add numbers.' },
  { role: 'user', content: 'What is 2 + 3?' },
];

export const trainingRequest: ForwardBackwardRequest = {
  samples: [
    { tokenIds: [1, 2, 3, 4], lossMask: [0, 0, 1, 1], samplerLogprobs: [0, 0, -0.5, -0.25], advantage: 1 },
    { tokenIds: [5, 6, 7], lossMask: [0, 1, 1], samplerLogprobs: [0, -1, -0.75], advantage: -0.5 },
  ],
  loss: { type: 'ppo', clipLow: 0.2, clipHigh: 0.28, aggregation: 'token-mean' },
};

export const optimRequest = { learningRate: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, maxGradNorm: 1 };

/**
 * What every Backbone must do, whatever is behind it. A new backbone joins with one
 * `defineBackboneConformance({ name, create })` line in test/backbone-conformance.test.ts.
 */
export function defineBackboneConformance(target: ConformanceTarget): void {
  describe(`backbone conformance: ${target.name}`, () => {
    let underTest: BackboneUnderTest;
    let backbone: Backbone;
    let stateFolder: string;

    beforeAll(async () => {
      underTest = await target.create();
      backbone = underTest.backbone;
      stateFolder = await mkdtemp(join(tmpdir(), 'ajet-conformance-'));
    });

    afterAll(async () => {
      await backbone?.close();
      await underTest?.dispose?.();
      if (stateFolder) await rm(stateFolder, { recursive: true, force: true });
    });

    it('getInfo names the model and tokenizer and reports capabilities', async () => {
      const info = await backbone.getInfo();
      expect(info.model.length).toBeGreaterThan(0);
      expect(info.tokenizer.length).toBeGreaterThan(0);
      expect(info.policyVersion).toBe(0);
      expect(info.capabilities.maxModelLen).toBeGreaterThan(0);
      expect(typeof info.capabilities.trainable).toBe('boolean');
    });

    it('renderChat gives token ids, and a prefix plus its increment renders the whole conversation', async () => {
      const prompt = await backbone.renderChat({ messages: conversation });
      expect(prompt.tokenIds.length).toBeGreaterThan(0);
      expect(prompt.tokenIds.every(Number.isInteger)).toBe(true);
      const sampled = await backbone.sample({ promptIds: prompt.tokenIds, sampling: { seed: 7, maxTokens: 64 } });
      const completion = sampled.completions[0];
      if (!completion) throw new Error('no completion');
      const longer: ChatMessage[] = [
        ...conversation,
        { role: 'assistant', content: completion.text },
        { role: 'user', content: 'And 4 + 4?' },
      ];
      const increment = await backbone.renderChat({
        messages: longer,
        prefix: { tokenIds: [...prompt.tokenIds, ...completion.tokenIds], messageCount: 3 },
      });
      expect(increment.tokenIds.length).toBeGreaterThan(0);
      if (target.incrementalRenderMatchesFull ?? true) {
        const whole = await backbone.renderChat({ messages: longer });
        expect([...prompt.tokenIds, ...completion.tokenIds, ...increment.tokenIds]).toEqual(whole.tokenIds);
      }
      const noGenerationPrompt = await backbone.renderChat({ messages: conversation, addGenerationPrompt: false });
      expect(noGenerationPrompt.tokenIds.length).toBeLessThan(prompt.tokenIds.length);
    });

    it('detokenize gives one piece per token', async () => {
      const prompt = await backbone.renderChat({ messages: conversation });
      const { pieces } = await backbone.detokenize({ tokenIds: prompt.tokenIds });
      expect(pieces).toHaveLength(prompt.tokenIds.length);
      expect(pieces.join('')).toContain('What is 2 + 3?');
    });

    it('sample is deterministic for a seed, draws n completions, and has a logprob per token', async () => {
      const { tokenIds } = await backbone.renderChat({ messages: conversation });
      const request = { promptIds: tokenIds, n: 3, sampling: { temperature: 1, seed: 123, maxTokens: 32 } };
      const first = await backbone.sample(request);
      const second = await backbone.sample(request);
      expect(first.completions).toHaveLength(3);
      expect(second.completions).toEqual(first.completions);
      for (const completion of first.completions) {
        expect(completion.logprobs).toHaveLength(completion.tokenIds.length);
        expect(completion.logprobs.every((logprob) => logprob <= 0)).toBe(true);
        expect(['stop', 'length']).toContain(completion.finishReason);
      }
    });

    it('sample stops at maxTokens with finishReason length', async () => {
      const { tokenIds } = await backbone.renderChat({ messages: conversation });
      const { completions } = await backbone.sample({ promptIds: tokenIds, sampling: { seed: 1, maxTokens: 1 } });
      expect(completions[0]?.tokenIds).toHaveLength(1);
      expect(completions[0]?.finishReason).toBe('length');
    });

    it('sampleChat gives what renderChat then sample give, and no completion when the prompt fills the context', async (context) => {
      const sampleChat = backbone.sampleChat?.bind(backbone);
      if (!sampleChat) return context.skip('this backbone has no sampleChat (TokenPolicy makes the two calls itself)');
      const sampling = { temperature: 1, seed: 5, maxTokens: 8 };
      const prompt = await backbone.renderChat({ messages: conversation });
      const sampled = await backbone.sample({ promptIds: prompt.tokenIds, n: 2, sampling });
      const first = await sampleChat({ messages: conversation, n: 2, sampling });
      expect(first).toEqual({ renderedIds: prompt.tokenIds, ...sampled });

      const completion = sampled.completions[0];
      if (!completion) throw new Error('no completion');
      const prefix = { tokenIds: [...prompt.tokenIds, ...completion.tokenIds], messageCount: 3 };
      const longer: ChatMessage[] = [
        ...conversation,
        { role: 'assistant', content: completion.text },
        { role: 'user', content: 'And 4 + 4?' },
      ];
      const increment = await backbone.renderChat({ messages: longer, prefix });
      const promptIds = [...prefix.tokenIds, ...increment.tokenIds];
      const { maxModelLen } = (await backbone.getInfo()).capabilities;
      // Without maxTokens the completion may use all the room left, and no more.
      const room = maxModelLen - promptIds.length;
      const continued = await backbone.sample({ promptIds, sampling: { seed: 5, maxTokens: room } });
      const second = await sampleChat({ messages: longer, prefix, sampling: { seed: 5 } });
      expect(second).toEqual({ renderedIds: increment.tokenIds, ...continued });

      if (maxModelLen > 65_536) return;
      const full = await sampleChat({
        messages: [{ role: 'user', content: ' count'.repeat(maxModelLen) }],
        sampling: { seed: 5, maxTokens: 4 },
      });
      expect(full.renderedIds.length).toBeGreaterThanOrEqual(maxModelLen);
      expect(full.completions).toEqual([]);
    });

    it('forwardBackward gives a finite loss; optimStep advances the policy version', async () => {
      const before = await backbone.getInfo();
      const result = await backbone.forwardBackward(trainingRequest);
      expect(Number.isFinite(result.loss)).toBe(true);
      const step = await backbone.optimStep(optimRequest);
      expect(step.policyVersion).toBe(before.policyVersion + 1);
      expect((await backbone.getInfo()).policyVersion).toBe(step.policyVersion);
      const { tokenIds } = await backbone.renderChat({ messages: conversation });
      const sampled = await backbone.sample({ promptIds: tokenIds, sampling: { seed: 3 } });
      expect(sampled.policyVersion).toBe(step.policyVersion);
    });

    it('refuses a token id outside the vocabulary and a NaN advantage with BACKBONE_INVALID_REQUEST naming the field', async (context) => {
      const { vocabSize } = (await backbone.getInfo()).capabilities;
      if (vocabSize === undefined) return context.skip();
      const [first, second] = trainingRequest.samples as [TrainingSample, TrainingSample];
      const outside = { ...second, tokenIds: [5, vocabSize + 5, 7] };
      await expect(backbone.forwardBackward({ ...trainingRequest, samples: [first, outside] })).rejects.toMatchObject({
        code: 'BACKBONE_INVALID_REQUEST',
        message: expect.stringContaining(
          `samples[1].tokenIds[1]=${vocabSize + 5} is outside the vocabulary (0..${vocabSize - 1}).`,
        ),
      });
      const nan = { ...first, advantage: Number.NaN };
      await expect(backbone.forwardBackward({ ...trainingRequest, samples: [nan] })).rejects.toMatchObject({
        code: 'BACKBONE_INVALID_REQUEST',
        message: expect.stringContaining('samples[0].advantage=NaN: expected a finite number.'),
      });
      await expect(backbone.sample({ promptIds: [1, -1], sampling: { maxTokens: 1 } })).rejects.toMatchObject({
        code: 'BACKBONE_INVALID_REQUEST',
        message: expect.stringContaining(`promptIds[1]=-1 is outside the vocabulary (0..${vocabSize - 1}).`),
      });
      expect(Number.isFinite((await backbone.forwardBackward(trainingRequest)).loss)).toBe(true);
    });

    it('saveState then loadState restores the policy version', async () => {
      const saved = (await backbone.getInfo()).policyVersion;
      // A server keeps state under its own root, by name; an in-process backbone takes a folder here.
      const path = backbone.stateStore === 'server' ? 'conformance/state' : stateFolder;
      await backbone.saveState({ path, includeOptimizer: true });
      await backbone.forwardBackward(trainingRequest);
      await backbone.optimStep(optimRequest);
      expect((await backbone.getInfo()).policyVersion).toBe(saved + 1);
      await backbone.loadState({ path, includeOptimizer: true });
      expect((await backbone.getInfo()).policyVersion).toBe(saved);
    });
  });
}

/** Runs the same script of calls against a backbone and returns every result, for comparing backends. */
export async function runCallScript(backbone: Backbone): Promise<unknown[]> {
  const results: unknown[] = [];
  results.push(await backbone.getInfo());
  const prompt = await backbone.renderChat({
    messages: conversation,
    tools: [{ name: 'add', description: 'Adds', parameters: { type: 'object' } }],
  });
  results.push(prompt);
  results.push(await backbone.detokenize({ tokenIds: prompt.tokenIds.slice(0, 8) }));
  results.push(await backbone.sample({ promptIds: prompt.tokenIds, n: 2, sampling: { seed: 9, maxTokens: 16 } }));
  results.push(await backbone.forwardBackward(trainingRequest));
  results.push(
    await backbone.forwardBackward({
      ...trainingRequest,
      loss: { type: 'importance_sampling', kl: { beta: 0.1, estimator: 'k3' }, aggregation: 'seq-mean' },
      lossScale: 0.5,
    }),
  );
  results.push(await backbone.optimStep(optimRequest));
  results.push(await backbone.sample({ promptIds: prompt.tokenIds, sampling: { seed: 9, maxTokens: 16 } }));
  return results;
}
