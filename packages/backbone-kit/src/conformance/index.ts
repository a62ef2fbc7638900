import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Backbone,
  BackboneRequestError,
  type ChatMessage,
  type ForwardBackwardRequest,
  type TrainingSample,
} from '@ajet/spec';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendErrorCodes, stateNameHint } from '../backend-errors.ts';

/** A backbone for the conformance suite: in process, behind `ajet serve`, or the Python server. */
export interface BackboneUnderTest {
  name: string;
  /**
   * A fresh backbone at policy version 0, with the same initial weights every time. `dispose` stops whatever
   * serves it; it runs after `backbone.close()`.
   */
  create(): Promise<{ backbone: Backbone; dispose?: () => Promise<void> }>;
  /** Whether rendering a prefix plus its increment equals rendering the whole conversation. Default true. */
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

async function decode(backbone: Backbone, ids: number[]): Promise<string> {
  return (await backbone.detokenize({ tokenIds: ids })).pieces.join('');
}

/**
 * What every Backbone must do, whatever is behind it: THE conformance suite. A backbone joins with one
 * `defineBackboneConformance({ name, create })` line. The checks run in order on one backbone.
 */
export function defineBackboneConformance(target: BackboneUnderTest): void {
  describe(`backbone conformance: ${target.name}`, () => {
    let created: Awaited<ReturnType<BackboneUnderTest['create']>>;
    let backbone: Backbone;
    let stateFolder: string;

    beforeAll(async () => {
      created = await target.create();
      backbone = created.backbone;
      stateFolder = await mkdtemp(join(tmpdir(), 'ajet-conformance-'));
    }, 180_000);

    afterAll(async () => {
      await backbone?.close();
      await created?.dispose?.();
      if (stateFolder) await rm(stateFolder, { recursive: true, force: true });
    });

    it('getInfo names the model and tokenizer and reports capabilities at policy version 0', async () => {
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
      const sampled = await backbone.sample({ promptIds: prompt.tokenIds, sampling: { seed: 7, maxTokens: 16 } });
      const completion = sampled.completions[0];
      if (!completion) throw new Error('no completion');
      const sequence = [...prompt.tokenIds, ...completion.tokenIds];
      const longer: ChatMessage[] = [
        ...conversation,
        { role: 'assistant', content: completion.text },
        { role: 'user', content: 'And 4 + 4?' },
      ];
      const increment = await backbone.renderChat({
        messages: longer,
        prefix: { tokenIds: sequence, messageCount: 3 },
      });
      expect(increment.tokenIds.length).toBeGreaterThan(0);
      const text = await decode(backbone, [...sequence, ...increment.tokenIds]);
      expect(text.startsWith(await decode(backbone, prompt.tokenIds))).toBe(true);
      expect(text).toContain('And 4 + 4?');
      if (target.incrementalRenderMatchesFull ?? true) {
        const whole = await backbone.renderChat({ messages: longer });
        expect([...sequence, ...increment.tokenIds]).toEqual(whole.tokenIds);
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

    it('sample is deterministic for a seed, draws n completions, has a logprob per token and stops at maxTokens', async () => {
      const { tokenIds } = await backbone.renderChat({ messages: conversation });
      const request = { promptIds: tokenIds, n: 3, sampling: { temperature: 1, seed: 123, maxTokens: 6 } };
      const first = await backbone.sample(request);
      const second = await backbone.sample(request);
      expect(first.completions).toHaveLength(3);
      expect(second.completions).toEqual(first.completions);
      for (const completion of first.completions) {
        expect(completion.logprobs).toHaveLength(completion.tokenIds.length);
        expect(completion.tokenIds.length).toBeLessThanOrEqual(6);
        for (const logprob of completion.logprobs) expect(logprob).toBeLessThanOrEqual(1e-6);
        expect(['stop', 'length']).toContain(completion.finishReason);
      }
      const { completions } = await backbone.sample({ promptIds: tokenIds, sampling: { seed: 1, maxTokens: 1 } });
      expect(completions[0]?.tokenIds).toHaveLength(1);
      expect(completions[0]?.finishReason).toBe('length');
    });

    it('sampleChat gives what renderChat then sample give, and no completion when the prompt fills the context', async (context) => {
      const sampleChat = backbone.sampleChat?.bind(backbone);
      if (!sampleChat) return context.skip('this backbone has no sampleChat (sampleChatInParts stands in)');
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

    it('forwardBackward at the sampler’s weights gives ratio 1; optimStep advances the policy version', async () => {
      const before = await backbone.getInfo();
      const prompt = (await backbone.renderChat({ messages: conversation })).tokenIds;
      // top-p truncates what is sampled, never the logprobs reported (backbone.ts Completion.logprobs).
      const sampling = { temperature: 1, topP: 0.9, maxTokens: 6, seed: 11 };
      const [completion] = (await backbone.sample({ promptIds: prompt, sampling })).completions;
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
      // Every ratio is 1, so the loss is -mean(A) = -(1 - 0.5) / 2.
      expect(result.loss).toBeCloseTo(-0.25, 4);
      const step = await backbone.optimStep(optimRequest);
      expect(step.policyVersion).toBe(before.policyVersion + 1);
      expect((await backbone.getInfo()).policyVersion).toBe(step.policyVersion);
      const after = await backbone.sample({ promptIds: prompt, sampling: { seed: 3, maxTokens: 4 } });
      expect(after.policyVersion).toBe(step.policyVersion);
    });

    it('refuses a token id outside the vocabulary and a NaN advantage with BACKBONE_INVALID_REQUEST naming the field', async (context) => {
      const { vocabSize } = (await backbone.getInfo()).capabilities;
      if (vocabSize === undefined) return context.skip();
      const { hint } = new BackboneRequestError('field', '');
      const [first, second] = trainingRequest.samples as [TrainingSample, TrainingSample];
      const outside = { ...second, tokenIds: [5, vocabSize + 5, 7] };
      await expect(backbone.forwardBackward({ ...trainingRequest, samples: [first, outside] })).rejects.toMatchObject({
        code: backendErrorCodes.BACKBONE_INVALID_REQUEST,
        hint,
        message: expect.stringContaining(
          `samples[1].tokenIds[1]=${vocabSize + 5} is outside the vocabulary (0..${vocabSize - 1}).`,
        ),
      });
      const nan = { ...first, advantage: Number.NaN };
      await expect(backbone.forwardBackward({ ...trainingRequest, samples: [nan] })).rejects.toMatchObject({
        code: backendErrorCodes.BACKBONE_INVALID_REQUEST,
        message: expect.stringContaining('samples[0].advantage=NaN: expected a finite number.'),
      });
      await expect(backbone.sample({ promptIds: [1, -1], sampling: { maxTokens: 1 } })).rejects.toMatchObject({
        code: backendErrorCodes.BACKBONE_INVALID_REQUEST,
        hint,
        message: expect.stringContaining(`promptIds[1]=-1 is outside the vocabulary (0..${vocabSize - 1}).`),
      });
      expect(Number.isFinite((await backbone.forwardBackward(trainingRequest)).loss)).toBe(true);
    });

    it('saveState then loadState restores the policy version and the weights', async () => {
      const saved = (await backbone.getInfo()).policyVersion;
      // A server keeps state under its own root, by name; an in-process backbone takes a folder here.
      const path = backbone.stateStore === 'server' ? 'conformance/state' : stateFolder;
      const { path: where } = await backbone.saveState({ path, includeOptimizer: true });
      // A local state is a folder here; a server names where it went: a folder there, or a URI of its own protocol
      // (a Tinker server answers tinker://<model>/weights/<name>).
      if (backbone.stateStore === 'server') expect(where).toMatch(/^(\/|[a-z][a-z0-9+.-]*:\/\/)/);
      else expect(where.startsWith('/')).toBe(true);
      const prompt = (await backbone.renderChat({ messages: conversation })).tokenIds;
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
      await backbone.optimStep({ ...optimRequest, learningRate: 5e-2, maxGradNorm: 0 });
      expect((await backbone.getInfo()).policyVersion).toBe(saved + 1);
      await backbone.loadState({ path, includeOptimizer: true });
      expect((await backbone.getInfo()).policyVersion).toBe(saved);
      const restored = await backbone.sample({ promptIds: prompt, sampling: { temperature: 0, maxTokens: 5 } });
      expect(restored.completions).toEqual(before.completions);
    });

    it('a server refuses a state name that leaves its state root with STATE_NAME_INVALID and the same hint', async (context) => {
      if (backbone.stateStore !== 'server') return context.skip('state lives in local folders');
      await expect(backbone.loadState({ path: '../outside', includeOptimizer: false })).rejects.toMatchObject({
        code: backendErrorCodes.STATE_NAME_INVALID,
        hint: stateNameHint,
        retryable: false,
      });
    });
  });
}

/** Runs the same script of calls against a backbone and returns every result, for comparing backbones. */
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

/** Every number rounded to float32, the precision per-token values have on the wire. */
function float32Rounded(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (_key, item) => (typeof item === 'number' ? Math.fround(item) : item)));
}

/**
 * Two backbones with the same weights (one in process, one behind a server) give the same results for the same
 * calls, to float32 precision.
 */
export function defineBackboneAgreement(options: { local: BackboneUnderTest; remote: BackboneUnderTest }): void {
  const { local, remote } = options;
  it(`${local.name} and ${remote.name} give the same results for the same calls`, async () => {
    const results: unknown[][] = [];
    for (const subject of [local, remote]) {
      const { backbone, dispose } = await subject.create();
      try {
        results.push(await runCallScript(backbone));
      } finally {
        await backbone.close();
        await dispose?.();
      }
    }
    expect(float32Rounded(results[1])).toEqual(float32Rounded(results[0]));
  }, 120_000);
}
