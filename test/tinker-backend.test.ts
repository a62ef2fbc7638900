import { rm } from 'node:fs/promises';
import { GrpcBackbone } from '@ajet/backbone-grpc';
import { conversation, defineBackboneConformance, trainingRequest } from '@ajet/backbone-kit/conformance';
import { ChatTokenizer, TinkerBackbone, TinkerClient } from '@ajet/backbone-tinker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type PythonBackend,
  pythonBackendMissing,
  startPythonBackend,
  tinyModelFolder,
} from './helpers/python-backend.ts';

// ajet's Python backend with its Tinker HTTP front (`serve --tinker-port`): the TypeScript `tinker` backbone
// passes the conformance suite against it, and its gRPC and Tinker fronts share one policy. Model: random
// weights, Qwen3 tokenizer, no download.
if (pythonBackendMissing) console.warn(`tinker-backend.test.ts skipped: ${pythonBackendMissing}`);

const KEY = 'tml-sesame';
const MAX_MODEL_LEN = 96;

describe.skipIf(pythonBackendMissing !== undefined)('the Python backend’s Tinker front (serve --tinker-port)', () => {
  let model = '';
  let disposeModel = async () => {};
  // The second test's server boots while the conformance suite runs on its own.
  let shared: Promise<PythonBackend> | undefined;

  beforeAll(async () => {
    ({ folder: model, dispose: disposeModel } = await tinyModelFolder());
    shared = startPythonBackend({ model, maxModelLen: MAX_MODEL_LEN, token: KEY, tinker: true });
    shared.catch(() => {});
  }, 180_000);

  afterAll(async () => {
    const server = await shared?.catch(() => undefined);
    await server?.stop();
    if (server) await rm(server.stateRoot, { recursive: true, force: true });
    await disposeModel();
  });

  async function tinkerBackbone(server: PythonBackend, options: { protobuf?: boolean } = {}): Promise<TinkerBackbone> {
    if (!server.tinkerUrl) throw new Error(`no Tinker API in the server's log:\n${server.log()}`);
    return new TinkerBackbone({
      client: new TinkerClient({ baseUrl: server.tinkerUrl, apiKey: KEY, deadlineMs: 120_000 }),
      baseModel: model,
      loraRank: 8,
      maxModelLen: MAX_MODEL_LEN,
      tokenizer: await ChatTokenizer.fromFolder({ folder: model, name: model }),
      protobufForwardBackward: options.protobuf ?? false,
    });
  }

  defineBackboneConformance({
    name: 'the tinker backbone against the Python backend’s Tinker front',
    create: async () => {
      const server = await startPythonBackend({ model, maxModelLen: MAX_MODEL_LEN, token: KEY, tinker: true });
      return {
        backbone: await tinkerBackbone(server),
        dispose: async () => {
          await server.stop();
          await rm(server.stateRoot, { recursive: true, force: true });
        },
      };
    },
    // As over gRPC: Qwen3's template drops earlier <think> blocks (backend/README.md).
    incrementalRenderMatchesFull: false,
  });

  it('the gRPC and Tinker fronts serve one policy: the same samples and losses, one step seen by both', async () => {
    if (!shared) throw new Error('no server');
    const server = await shared;
    const grpc = new GrpcBackbone({ address: server.address, token: KEY, deadlineMs: 120_000 });
    const tinker = await tinkerBackbone(server);
    const binary = await tinkerBackbone(server, { protobuf: true });
    try {
      const prompt = await grpc.renderChat({ messages: conversation });
      expect((await tinker.renderChat({ messages: conversation })).tokenIds).toEqual(prompt.tokenIds);
      const sampling = { temperature: 1, seed: 17, maxTokens: 8 };
      const overGrpc = await grpc.sample({ promptIds: prompt.tokenIds, n: 2, sampling });
      const overTinker = await tinker.sample({ promptIds: prompt.tokenIds, n: 2, sampling });
      expect(overTinker.completions.map((c) => c.tokenIds)).toEqual(overGrpc.completions.map((c) => c.tokenIds));
      overTinker.completions.forEach((completion, index) => {
        const expected = overGrpc.completions[index]?.logprobs ?? [];
        for (const [position, logprob] of completion.logprobs.entries()) {
          expect(logprob).toBeCloseTo(expected[position] ?? 0, 5);
        }
      });

      // ppo, importance sampling and cross entropy with ajet's aggregations and lossScale, as Tinker sums.
      const requests = [
        trainingRequest,
        { ...trainingRequest, loss: { type: 'importance_sampling', aggregation: 'seq-mean' }, lossScale: 0.5 },
        { ...trainingRequest, loss: { type: 'cross_entropy', aggregation: 'token-mean' } },
      ] as const;
      for (const request of requests) {
        const expected = (await grpc.forwardBackward(request)).loss;
        expect((await tinker.forwardBackward(request)).loss).toBeCloseTo(expected, 5);
        expect((await binary.forwardBackward(request)).loss).toBeCloseTo(expected, 5);
      }
      const step = await tinker.optimStep({
        learningRate: 1e-3,
        beta1: 0.9,
        beta2: 0.999,
        eps: 1e-8,
        weightDecay: 0,
        maxGradNorm: 1,
      });
      expect(step.policyVersion).toBe(1);
      expect(step.gradNorm).toBeGreaterThan(0);
      // The step the Tinker front took is the gRPC front's policy too.
      expect((await grpc.getInfo()).policyVersion).toBe(1);
      const greedy = { temperature: 0, maxTokens: 6 };
      const afterGrpc = await grpc.sample({ promptIds: prompt.tokenIds, sampling: greedy });
      const afterTinker = await tinker.sample({ promptIds: prompt.tokenIds, sampling: greedy });
      expect(afterTinker.completions[0]?.tokenIds).toEqual(afterGrpc.completions[0]?.tokenIds);
      // The other Tinker client still holds the base model's sampler: refused, not silently the new weights.
      await expect(binary.sample({ promptIds: prompt.tokenIds, sampling: greedy })).rejects.toMatchObject({
        code: 'BACKBONE_INVALID_REQUEST',
        message: expect.stringContaining('no longer holds'),
      });
    } finally {
      await Promise.all([grpc.close(), tinker.close(), binary.close()]);
    }
  }, 180_000);
});
