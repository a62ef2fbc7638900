import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { closeFakeTinkers, fakeTinker } from '../test-fixtures/fake-tinker.ts';
import { tinkerEndpoints } from './protocol.ts';
import { TinkerBackbone, type TinkerTokenizer } from './tinker-backbone.ts';
import { TinkerClient } from './tinker-client.ts';
import { loadTinkerPublicProto } from './tinker-proto.ts';

afterEach(closeFakeTinkers);

/** The bodies the official SDK (tinker==0.38.0) posts for the same calls (gen_sdk_bodies.py). */
const sdkBodies: Record<string, unknown> = JSON.parse(
  readFileSync(new URL('../test-fixtures/sdk-bodies.json', import.meta.url), 'utf8'),
);

/** A test tokenizer: token id n is the character with code n. */
const charTokenizer: TinkerTokenizer = {
  name: 'chars',
  renderChat: ({ messages }) => ({
    tokenIds: [...messages.map((message) => `${message.role}:${message.content}\n`).join(''), 'a', ':'].map((c) =>
      c.charCodeAt(0),
    ),
  }),
  detokenize: ({ tokenIds }) => ({ pieces: tokenIds.map((id) => String.fromCharCode(id)) }),
};

/** A Tinker server that queues every call and answers the future on the first poll. */
async function queueingFake() {
  const results = new Map<string, unknown>();
  let next = 0;
  const queue = (result: (body: unknown) => unknown) => (body: unknown) => {
    const requestId = `req-${next++}`;
    results.set(requestId, result(body));
    return { body: { request_id: requestId } };
  };
  const fake = await fakeTinker({
    [tinkerEndpoints.createSession]: () => ({ body: { type: 'create_session', session_id: 'session-1' } }),
    [tinkerEndpoints.createModel]: queue(() => ({ type: 'create_model', model_id: 'model-1' })),
    [tinkerEndpoints.forwardBackward]: queue((body) => {
      const data = (
        body as { forward_backward_input: { data: { loss_fn_inputs: { target_tokens: { data: number[] } } }[] } }
      ).forward_backward_input.data;
      return {
        loss_fn_output_type: 'ArrayRecord',
        loss_fn_outputs: data.map((datum) => ({
          logprobs: { data: datum.loss_fn_inputs.target_tokens.data.map(() => -0.5), dtype: 'float32' },
        })),
        metrics: { 'loss:sum': 0 },
      };
    }),
    [tinkerEndpoints.optimStep]: queue(() => ({ metrics: {} })),
    [tinkerEndpoints.saveWeightsForSampler]: queue((body) => ({
      path: `tinker://model-1/sampler_weights/${(body as { path: string }).path}`,
    })),
    [tinkerEndpoints.saveWeights]: queue((body) => ({
      path: `tinker://model-1/weights/${(body as { path: string }).path}`,
    })),
    [tinkerEndpoints.loadWeights]: queue(() => ({ type: 'load_weights' })),
    [tinkerEndpoints.asample]: queue(() => ({
      type: 'sample',
      sequences: [{ tokens: [104, 105], logprobs: [-0.25, -0.125], stop_reason: 'stop' }],
    })),
    [tinkerEndpoints.retrieveFuture]: (body) => ({ body: results.get((body as { request_id: string }).request_id) }),
  });
  return fake;
}

describe('TinkerBackbone against a loopback fake Tinker server', () => {
  it('creates one LoRA model, trains, and samples from the saved sampler weights after a step', async () => {
    const fake = await queueingFake();
    const client = new TinkerClient({ baseUrl: fake.baseUrl, apiKey: 'tml-test', deadlineMs: 5000 });
    const backbone = new TinkerBackbone({
      client,
      baseModel: 'Qwen/Qwen3-4B-Instruct-2507',
      loraRank: 8,
      seed: 3,
      maxModelLen: 4096,
      tokenizer: charTokenizer,
    });
    const info = await backbone.getInfo();
    expect(info).toMatchObject({ model: 'Qwen/Qwen3-4B-Instruct-2507', tokenizer: 'chars', policyVersion: 0 });

    const before = await backbone.sampleChat({ messages: [{ role: 'user', content: 'hi' }], sampling: { seed: 1 } });
    expect(before.completions[0]).toEqual({
      tokenIds: [104, 105],
      logprobs: [-0.25, -0.125],
      text: 'hi',
      finishReason: 'stop',
    });

    const trained = await backbone.forwardBackward({
      samples: [{ tokenIds: [1, 2, 3], lossMask: [0, 1, 1], samplerLogprobs: [0, -0.5, -0.5], advantage: 1 }],
      loss: { type: 'importance_sampling', aggregation: 'token-mean' },
    });
    expect(trained.loss).toBeCloseTo(-1, 12);
    expect(trained.metrics).toMatchObject({ tokens: 2, ratio_mean: 1 });
    expect(
      await backbone.optimStep({
        learningRate: 1e-4,
        beta1: 0.9,
        beta2: 0.95,
        eps: 1e-8,
        weightDecay: 0,
        maxGradNorm: 1,
      }),
    ).toEqual({ policyVersion: 1, gradNorm: 0 });
    const after = await backbone.sample({ promptIds: [1, 2], sampling: { temperature: 1, maxTokens: 8 } });
    expect(after.policyVersion).toBe(1);

    const saved = await backbone.saveState({ path: 'run-1/step-1', includeOptimizer: true });
    expect(saved).toEqual({ path: 'tinker://model-1/weights/run-1/step-1', server: fake.baseUrl });
    await backbone.loadState({ path: 'run-1/step-1', includeOptimizer: true });

    const posts = fake.seen.filter((request) => request.path !== tinkerEndpoints.retrieveFuture);
    expect(posts.map((request) => request.path)).toEqual([
      tinkerEndpoints.createSession,
      tinkerEndpoints.createModel,
      tinkerEndpoints.asample,
      tinkerEndpoints.forwardBackward,
      tinkerEndpoints.optimStep,
      tinkerEndpoints.saveWeightsForSampler,
      tinkerEndpoints.asample,
      tinkerEndpoints.saveWeights,
      tinkerEndpoints.loadWeights,
    ]);
    // The JSON bodies are field for field what the SDK sends.
    expect(posts[1]?.body).toEqual(sdkBodies.create_model);
    expect(posts[2]?.body).toMatchObject({ base_model: 'Qwen/Qwen3-4B-Instruct-2507', sampling_params: { seed: 1 } });
    expect(posts[4]?.body).toEqual(sdkBodies.optim_step);
    expect(posts[5]?.body).toEqual(sdkBodies.save_weights_for_sampler);
    expect(posts[6]?.body).toEqual(sdkBodies.sample);
    expect(posts[7]?.body).toEqual(sdkBodies.save_weights);
    expect(posts[8]?.body).toEqual(sdkBodies.load_weights);
    // Training-model calls carry seq_id 1, 2, ... in order, as the SDK sends them.
    expect(posts.map((request) => (request.body as { seq_id?: number }).seq_id)).toEqual([
      undefined,
      undefined,
      undefined,
      1,
      2,
      3,
      undefined,
      4,
      5,
    ]);
    expect(fake.seen.every((request) => request.apiKey === 'tml-test')).toBe(true);
  });

  it('sends forward_backward as protobuf when asked (the SDK 0.38 way)', async () => {
    const type = loadTinkerPublicProto().lookupType('tinker_public.ForwardBackwardRequest');
    const fake = await fakeTinker({
      [tinkerEndpoints.createSession]: () => ({ body: { session_id: 's' } }),
      [tinkerEndpoints.createModel]: () => ({ body: { request_id: 'm' } }),
      [tinkerEndpoints.forwardBackward]: () => ({ body: { request_id: 'f' } }),
      [tinkerEndpoints.retrieveFuture]: (body) => ({
        body:
          (body as { request_id: string }).request_id === 'm'
            ? { model_id: 'model-1' }
            : {
                loss_fn_output_type: 'ArrayRecord',
                loss_fn_outputs: [{ logprobs: { data: [-1, -2], dtype: 'float32' } }],
                metrics: {},
              },
      }),
    });
    const client = new TinkerClient({ baseUrl: fake.baseUrl, apiKey: undefined, deadlineMs: 5000 });
    const backbone = new TinkerBackbone({
      client,
      baseModel: 'm',
      loraRank: 8,
      maxModelLen: 64,
      tokenizer: charTokenizer,
      protobufForwardBackward: true,
    });
    const result = await backbone.forwardBackward({
      samples: [{ tokenIds: [1, 2, 3], lossMask: [0, 1, 1], samplerLogprobs: [0, -1, -1], advantage: 1 }],
      loss: { type: 'cross_entropy', aggregation: 'token-mean' },
    });
    expect(result.loss).toBeCloseTo(1.5, 12);
    const sent = fake.seen.find((request) => request.path === tinkerEndpoints.forwardBackward)?.body;
    expect(Buffer.isBuffer(sent)).toBe(true);
    const message = type.toObject(type.decode(sent as Buffer), { longs: Number });
    expect(message).toMatchObject({ modelId: 'model-1', seqId: 1, lossFn: 'cross_entropy' });
    expect(message.data[0].lossFnInputs.weights.shape).toEqual([2]);
    await backbone.close();
  });

  it('keeps the session alive with heartbeats until closed', async () => {
    const fake = await fakeTinker({
      [tinkerEndpoints.createSession]: () => ({ body: { session_id: 'session-9' } }),
      [tinkerEndpoints.createModel]: () => ({ body: { request_id: 'm' } }),
      [tinkerEndpoints.retrieveFuture]: () => ({ body: { model_id: 'model-1' } }),
      [tinkerEndpoints.sessionHeartbeat]: () => ({ body: { type: 'session_heartbeat' } }),
    });
    const client = new TinkerClient({ baseUrl: fake.baseUrl, apiKey: undefined, deadlineMs: 5000 });
    const backbone = new TinkerBackbone({
      client,
      baseModel: 'm',
      loraRank: 8,
      maxModelLen: 64,
      tokenizer: charTokenizer,
      heartbeatMs: 20,
    });
    await backbone.getInfo();
    const beats = () => fake.seen.filter((request) => request.path === tinkerEndpoints.sessionHeartbeat);
    await expect.poll(() => beats().length, { timeout: 5000 }).toBeGreaterThanOrEqual(2);
    expect(beats()[0]?.body).toEqual({ type: 'session_heartbeat', session_id: 'session-9' });
    await backbone.close();
    const afterClose = beats().length;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(beats().length).toBeLessThanOrEqual(afterClose + 1); // at most one already in flight
  });

  it('a sampled sequence without a logprob per token is refused', async () => {
    const fake = await fakeTinker({
      [tinkerEndpoints.createSession]: () => ({ body: { session_id: 's' } }),
      [tinkerEndpoints.createModel]: () => ({ body: { request_id: 'm' } }),
      [tinkerEndpoints.asample]: () => ({ body: { request_id: 'a' } }),
      [tinkerEndpoints.retrieveFuture]: (body) => ({
        body:
          (body as { request_id: string }).request_id === 'm'
            ? { model_id: 'model-1' }
            : { sequences: [{ tokens: [104, 105], logprobs: [-0.25], stop_reason: 'length' }] },
      }),
    });
    const client = new TinkerClient({ baseUrl: fake.baseUrl, apiKey: undefined, deadlineMs: 5000 });
    const backbone = new TinkerBackbone({
      client,
      baseModel: 'm',
      loraRank: 8,
      maxModelLen: 64,
      tokenizer: charTokenizer,
    });
    await expect(backbone.sample({ promptIds: [1], sampling: {} })).rejects.toThrow(
      /sequence 0 has 1 logprobs for 2 tokens/,
    );
  });
});
