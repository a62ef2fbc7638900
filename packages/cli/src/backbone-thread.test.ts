import type { Backbone, SampleRequest } from '@ajet/spec';
import { createTinyLm } from '@ajet/tinylm';
import { afterAll, describe, expect, it } from 'vitest';
import { sourceExtension, startBackboneThread } from './backbone-thread.ts';

const MODEL = 'builtin:tinylm-calculator';
const OPTIM = { learningRate: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, maxGradNorm: 0 };
const opened: Backbone[] = [];
afterAll(async () => {
  await Promise.all(opened.map((backbone) => backbone.close()));
});

describe("ajet serve's backbone thread with sampler threads (sample calls concurrent)", () => {
  it('starts sample calls in order: one called before an update samples the old weights, one after it the new', async () => {
    const threaded = await startBackboneThread({
      entry: new URL(`./tinylm-thread-entry${sourceExtension}`, import.meta.url).href,
      options: { modelPath: MODEL, seed: 0, sampleThreads: 2 },
      concurrent: ['sample'],
    });
    const reference = await createTinyLm({ modelPath: MODEL, seed: 0 });
    opened.push(threaded, reference);
    const { tokenIds } = await reference.renderChat({ messages: [{ role: 'user', content: 'What is 12 plus 30?' }] });
    const request: SampleRequest = {
      promptIds: tokenIds,
      n: 3,
      sampling: { temperature: 0.9, maxTokens: 24, seed: 5 },
    };
    const batch = {
      samples: [
        {
          tokenIds: [...tokenIds, 9, 10, 11],
          lossMask: [...tokenIds.map(() => 0), 1, 1, 1],
          samplerLogprobs: [...tokenIds.map(() => 0), -1, -1, -1],
          advantage: 1,
        },
      ],
      loss: { type: 'cross_entropy' as const, aggregation: 'token-mean' as const },
    };
    const before = await reference.sample(request);
    // Sent in this order without waiting: sample, forwardBackward, optimStep, sample.
    const calls = [
      threaded.sample(request),
      threaded.forwardBackward(batch),
      threaded.optimStep(OPTIM),
      threaded.sample(request),
    ] as const;
    const [first, , updated, second] = await Promise.all(calls);
    await reference.forwardBackward(batch);
    await reference.optimStep(OPTIM);
    const after = await reference.sample(request);
    expect(updated.policyVersion).toBe(1);
    expect(after.completions).not.toEqual(before.completions);
    expect(first).toEqual(before);
    expect(second).toEqual(after);
  }, 60_000);
});
