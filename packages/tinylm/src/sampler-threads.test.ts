import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SampleResponse, TrainingSample } from '@ajet/spec';
import { afterAll, describe, expect, it } from 'vitest';
import { tinyBackbone } from './__fixtures__/tiny-backbone.ts';
import { IncrementalDecoder } from './internal/transformer.ts';
import type { TinyLmBackbone } from './tinylm-backbone.ts';

const opened: TinyLmBackbone[] = [];
afterAll(async () => {
  await Promise.all(opened.map((backbone) => backbone.close()));
});

function backbone(sampleThreads: number): TinyLmBackbone {
  const created = tinyBackbone({ sampleThreads });
  opened.push(created);
  return created;
}

const OPTIM = { learningRate: 0.05, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, maxGradNorm: 0 };

/** Prompts of a few episodes: first turns, and a later turn continuing a first turn's completion. */
async function prompts(policy: TinyLmBackbone): Promise<number[][]> {
  const questions = ['What is 12 plus 30?', 'What is 3 plus 4?', 'operation: add operands'];
  const firsts = await Promise.all(
    questions.map(
      async (content) => (await policy.renderChat({ messages: [{ role: 'user', content }] })).tokenIds as number[],
    ),
  );
  const { tokenIds: reply } = await policy.renderChat({ messages: [{ role: 'user', content: '<output>42</output>' }] });
  return [...firsts, [...(firsts[0] as number[]), 9, 10, 11, ...reply]];
}

/** Every prompt sampled at once (a group of 3 each), greedy and at T=0.9, all calls in flight together. */
async function sampleAll(policy: TinyLmBackbone, promptList: number[][]): Promise<SampleResponse[]> {
  const calls = [0, 0.9].flatMap((temperature) =>
    promptList.map((promptIds, index) =>
      policy.sample({ promptIds, n: 3, sampling: { temperature, maxTokens: 14, seed: 100 + index } }),
    ),
  );
  return Promise.all(calls);
}

function demonstration(promptIds: number[], completion: number[]): TrainingSample {
  return {
    tokenIds: [...promptIds, ...completion],
    lossMask: [...promptIds.map(() => 0), ...completion.map(() => 1)],
    samplerLogprobs: [...promptIds.map(() => 0), ...completion.map(() => -1)],
    advantage: 1,
  };
}

describe('TinyLmBackbone on sampler threads (sampleThreads)', () => {
  it('draws the same tokens, logprobs and texts on the calling thread and on 1 and 2 threads, many calls at once', async () => {
    const here = backbone(0);
    const promptList = await prompts(here);
    const expected = await sampleAll(here, promptList);
    expect(expected.some(({ completions }) => completions.some(({ tokenIds }) => tokenIds.length > 3))).toBe(true);
    for (const threads of [1, 2]) {
      const pooled = backbone(threads);
      // Twice: the second round starts from the threads' cached prompt states.
      expect(await sampleAll(pooled, promptList), `${threads} threads`).toEqual(expected);
      expect(await sampleAll(pooled, promptList), `${threads} threads, cached`).toEqual(expected);
    }
  });

  it('samples each call with the weights of its call: an update or a load reaches the calls after it', async () => {
    const pooled = backbone(2);
    const reference = backbone(0);
    const [promptIds] = await prompts(reference);
    if (!promptIds) throw new Error('no prompt');
    const sampling = { temperature: 0.9, maxTokens: 14, seed: 7 };
    const checkpoint = join(mkdtempSync(join(tmpdir(), 'tinylm-sampler-threads-')), 'v0');
    await pooled.saveState({ path: checkpoint, includeOptimizer: false });
    const before = await reference.sample({ promptIds, n: 2, sampling });
    // Called before the update and awaited after it: the old weights.
    const inFlight = pooled.sample({ promptIds, n: 2, sampling });
    const batch = {
      samples: [demonstration(promptIds, [9, 10, 11, 12])],
      loss: { type: 'cross_entropy' as const, aggregation: 'token-mean' as const },
    };
    await Promise.all([pooled.forwardBackward(batch), reference.forwardBackward(batch)]);
    const [updated] = await Promise.all([pooled.optimStep(OPTIM), reference.optimStep(OPTIM)]);
    expect(updated.policyVersion).toBe(1);
    expect(await inFlight).toEqual(before);
    const after = await reference.sample({ promptIds, n: 2, sampling });
    expect(after.completions).not.toEqual(before.completions);
    expect(await pooled.sample({ promptIds, n: 2, sampling })).toEqual(after);
    // A load goes back to version 0's weights.
    await pooled.loadState({ path: checkpoint, includeOptimizer: false });
    expect(await pooled.sample({ promptIds, n: 2, sampling })).toEqual(before);
    // Weights written and announced (setParams).
    pooled.setParams(reference.params);
    expect((await pooled.sample({ promptIds, n: 2, sampling })).completions).toEqual(after.completions);
  });

  it('a thread that dies fails only the calls it held, and a new thread samples the next ones', async () => {
    const pooled = backbone(2);
    const reference = backbone(0);
    const [promptIds] = await prompts(reference);
    if (!promptIds) throw new Error('no prompt');
    const sampling = { temperature: 0.9, maxTokens: 14, seed: 21 };
    const pool = pooled.samplerPool;
    if (!pool) throw new Error('no sampler pool');
    const doomed = pooled.sample({ promptIds, sampling });
    // The call went to thread 0 (equal queues, nothing cached); stop that thread under it.
    await pool.threadOf(0)?.terminate();
    await expect(doomed).rejects.toMatchObject({ code: 'TINYLM_THREAD_FAILED' });
    expect(pool.restarts).toBe(1);
    const expected = await reference.sample({ promptIds, n: 4, sampling });
    expect(await pooled.sample({ promptIds, n: 4, sampling })).toEqual(expected);
    expect(pool.threadOf(0)).toBeDefined();
  });

  it('a job a thread cannot sample is an error of that call; the thread goes on', async () => {
    const pooled = backbone(1);
    const pool = pooled.samplerPool;
    if (!pool) throw new Error('no sampler pool');
    const weights = { generation: 99, buffer: new SharedArrayBuffer(8) };
    await expect(pool.sample({ promptIds: [1, 2], sampling: {}, seed: 1, weights })).rejects.toThrow(/weights of 2/);
    const tooLong = { generation: 98, buffer: new SharedArrayBuffer(pooled.params.byteLength) };
    await expect(
      pool.sample({ promptIds: new Array(500).fill(1), sampling: {}, seed: 1, weights: tooLong }),
    ).rejects.toMatchObject({ code: 'TINYLM_PROMPT_LENGTH' });
    expect(pool.restarts).toBe(0);
    const [promptIds] = await prompts(pooled);
    if (!promptIds) throw new Error('no prompt');
    const sampling = { temperature: 0, maxTokens: 8 };
    expect(await pooled.sample({ promptIds, sampling })).toEqual(await backbone(0).sample({ promptIds, sampling }));
  });
});

describe('IncrementalDecoder.stepMany (batched decoding)', () => {
  it("gives each decoder the same logits, bit for bit, as stepping it alone, whatever the batch's composition", () => {
    const { model, params } = tinyBackbone();
    const vocab = model.config.vocabSize;
    const lengths = [3, 9, 1, 5];
    const alone = lengths.map(() => model.createDecoder(params));
    const batched = lengths.map(() => model.createDecoder(params));
    lengths.forEach((length, index) => {
      for (let position = 0; position < length; position++) {
        const token = (position * 5 + index) % vocab;
        (alone[index] as IncrementalDecoder).step(token);
        (batched[index] as IncrementalDecoder).step(token);
      }
    });
    for (let round = 0; round < 6; round++) {
      // A different subset each round: batch composition must not matter.
      const members = [0, 1, 2, 3].filter((index) => (index + round) % 3 !== 0);
      const tokens = members.map((index) => (round * 7 + index * 3) % vocab);
      const together = IncrementalDecoder.stepMany(
        members.map((index) => batched[index] as IncrementalDecoder),
        tokens,
      ).map((logits) => Array.from(logits));
      const separately = members.map((index, slot) =>
        Array.from((alone[index] as IncrementalDecoder).step(tokens[slot] as number)),
      );
      expect(together).toEqual(separately);
    }
  });
});
