import {
  decodeErrorDetail,
  errorDetailMetadataKey,
  float32ToBytes,
  int32ToBytes,
  loadBackend,
  uint8ToBytes,
} from '@ajet/proto';
import { RecordingBackbone } from '@ajet/spec/test';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BackboneServer, serveBackbone } from './serve-backbone.ts';

// RecordingBackbone's vocabulary: bytes 0..255 and three specials.
const vocabTop = 258;

const sample = (overrides: Record<string, unknown> = {}) => ({
  tokenIds: int32ToBytes([1, 2, 3]),
  lossMask: uint8ToBytes([0, 1, 1]),
  samplerLogprobs: float32ToBytes([0, -0.5, -0.5]),
  advantage: 1,
  ...overrides,
});
const ppo = { ppo: { clipLow: 0.2, clipHigh: 0.2, aggregation: 'LOSS_AGGREGATION_TOKEN_MEAN' } };
const optim = { learningRate: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, maxGradNorm: 1 };
const chat = (overrides: Record<string, unknown> = {}) => ({
  messages: [{ role: 'user', content: 'hi' }],
  tools: [],
  n: 1,
  sampling: { temperature: 1, maxTokens: 4 },
  ...overrides,
});

type Call = { method: string; request: object; field: string; text?: string };

const badRequests: Record<string, Call> = {
  'a training token id past the vocabulary': {
    method: 'ForwardBackward',
    request: { samples: [sample(), sample({ tokenIds: int32ToBytes([1, 99999, 3]) })], loss: ppo },
    field: 'samples[1].tokenIds[1]',
    text: `=99999 is outside the vocabulary (0..${vocabTop})`,
  },
  'a negative training token id': {
    method: 'ForwardBackward',
    request: { samples: [sample({ tokenIds: int32ToBytes([1, -4, 3]) })], loss: ppo },
    field: 'samples[0].tokenIds[1]',
  },
  'a loss mask shorter than the tokens': {
    method: 'ForwardBackward',
    request: { samples: [sample({ lossMask: uint8ToBytes([0, 1]) })], loss: ppo },
    field: 'samples[0].lossMask',
  },
  'sampler logprobs longer than the tokens': {
    method: 'ForwardBackward',
    request: { samples: [sample({ samplerLogprobs: float32ToBytes([0, 0, 0, 0]) })], loss: ppo },
    field: 'samples[0].samplerLogprobs',
  },
  'a NaN advantage': {
    method: 'ForwardBackward',
    request: { samples: [sample({ advantage: Number.NaN })], loss: ppo },
    field: 'samples[0].advantage',
  },
  'a NaN sampler logprob': {
    method: 'ForwardBackward',
    request: { samples: [sample({ samplerLogprobs: float32ToBytes([0, Number.NaN, 0]) })], loss: ppo },
    field: 'samples[0].samplerLogprobs[1]',
  },
  'a loss mask of 2': {
    method: 'ForwardBackward',
    request: { samples: [sample({ lossMask: Buffer.from([0, 2, 1]) })], loss: ppo },
    field: 'samples[0].lossMask[1]',
  },
  'a negative clip': {
    method: 'ForwardBackward',
    request: { samples: [sample()], loss: { ppo: { ...ppo.ppo, clipLow: -1 } } },
    field: 'loss.clipLow',
  },
  'no loss': { method: 'ForwardBackward', request: { samples: [sample()] }, field: 'loss' },
  'a NaN learning rate': {
    method: 'OptimStep',
    request: { ...optim, learningRate: Number.NaN },
    field: 'learningRate',
  },
  'a negative max grad norm': { method: 'OptimStep', request: { ...optim, maxGradNorm: -1 }, field: 'maxGradNorm' },
  'a prompt id past the vocabulary': {
    method: 'Sample',
    request: { promptIds: int32ToBytes([1, 2, 500]), n: 1, sampling: { maxTokens: 4 } },
    field: 'promptIds[2]',
  },
  'a NaN temperature': {
    method: 'Sample',
    request: { promptIds: int32ToBytes([1]), n: 1, sampling: { temperature: Number.NaN } },
    field: 'sampling.temperature',
  },
  'a negative temperature': {
    method: 'SampleChat',
    request: chat({ sampling: { temperature: -0.5 } }),
    field: 'sampling.temperature',
  },
  'a top_p of 0': { method: 'SampleChat', request: chat({ sampling: { topP: 0 } }), field: 'sampling.topP' },
  'a top_p above 1': {
    method: 'Sample',
    request: { promptIds: int32ToBytes([1]), n: 1, sampling: { topP: 1.5 } },
    field: 'sampling.topP',
  },
  'a million completions': {
    method: 'Sample',
    request: { promptIds: int32ToBytes([1]), n: 1_000_000, sampling: {} },
    field: 'n',
  },
  'a million completions of a chat': { method: 'SampleChat', request: chat({ n: 1_000_000 }), field: 'n' },
  'a huge chat': {
    method: 'RenderChat',
    request: { messages: [{ role: 'user', content: 'x'.repeat(5_000_000) }], tools: [] },
    field: 'messages[0]',
  },
  'an unknown role': {
    method: 'RenderChat',
    request: { messages: [{ role: 'wizard', content: 'hi' }], tools: [] },
    field: 'messages[0].role',
  },
  'a prefix id past the vocabulary': {
    method: 'RenderChat',
    request: {
      messages: [{ role: 'user', content: 'hi' }],
      tools: [],
      prefix: { tokenIds: int32ToBytes([1, 9000]), messageCount: 1 },
    },
    field: 'prefix.tokenIds[1]',
  },
  'a prefix covering more messages than sent': {
    method: 'SampleChat',
    request: chat({ prefix: { tokenIds: int32ToBytes([1]), messageCount: 5 } }),
    field: 'prefix.messageCount',
  },
  'tool parameters that are not JSON': {
    method: 'RenderChat',
    request: {
      messages: [{ role: 'user', content: 'hi' }],
      tools: [{ name: 'calc', description: 'd', parametersJson: '{oops' }],
    },
    field: 'tools[0].parametersJson',
  },
  'a detokenize id past the vocabulary': {
    method: 'Detokenize',
    request: { tokenIds: int32ToBytes([1, 259]) },
    field: 'tokenIds[1]',
  },
};

describe('serveBackbone refuses bad requests with INVALID_ARGUMENT naming the field', () => {
  let server: BackboneServer;
  let client: grpc.Client;
  const backbone = new RecordingBackbone({ maxModelLen: 4096 });
  const callCount = () =>
    backbone.renderCalls.length +
    backbone.sampleCalls.length +
    backbone.forwardBackwardCalls.length +
    backbone.optimStepCalls.length;

  beforeAll(async () => {
    server = await serveBackbone({ backbone, host: '127.0.0.1', port: 0 });
    const { Client } = loadBackend();
    client = new Client(server.address, grpc.credentials.createInsecure());
  });
  afterAll(async () => {
    client.close();
    await server.shutdown();
  });

  function call(method: string, request: object): Promise<grpc.ServiceError | undefined> {
    const deadline = Date.now() + 10_000;
    const untyped = client as unknown as Record<string, (...args: unknown[]) => grpc.ClientReadableStream<object>>;
    const handler = untyped[method] as (...args: unknown[]) => grpc.ClientReadableStream<object>;
    if (method === 'Sample') {
      return new Promise((resolve) => {
        const stream = handler.call(client, request, new grpc.Metadata(), { deadline });
        stream.on('data', () => undefined);
        stream.on('error', (error: grpc.ServiceError) => resolve(error));
        stream.on('end', () => resolve(undefined));
      });
    }
    return new Promise((resolve) => {
      handler.call(client, request, new grpc.Metadata(), { deadline }, (error: grpc.ServiceError | null) =>
        resolve(error ?? undefined),
      );
    });
  }

  for (const [name, { method, request, field, text }] of Object.entries(badRequests)) {
    it(`${method}: ${name}`, async () => {
      const callsBefore = callCount();
      const error = await call(method, request);
      expect(error?.code, error?.details).toBe(grpc.status.INVALID_ARGUMENT);
      expect(error?.details).toContain(field);
      if (text) expect(error?.details).toContain(`${field}${text}`);
      const [detail] = error?.metadata.get(errorDetailMetadataKey) ?? [];
      expect(decodeErrorDetail(detail as Buffer)).toMatchObject({
        code: 'BACKBONE_INVALID_REQUEST',
        hint: 'The request was refused before it reached the model; fix the caller.',
        retryable: false,
      });
      // Refused before the backbone saw it.
      expect(callCount()).toBe(callsBefore);
    });
  }

  it('a good request still goes through', async () => {
    expect(await call('ForwardBackward', { samples: [sample()], loss: ppo })).toBeUndefined();
    expect(await call('OptimStep', optim)).toBeUndefined();
    expect(await call('SampleChat', chat())).toBeUndefined();
    // A chat past the context but under the character cap renders; the reply has no completion (finish: length).
    expect(
      await call('SampleChat', chat({ messages: [{ role: 'user', content: 'x'.repeat(20_000) }] })),
    ).toBeUndefined();
    // maxTokens past max_model_len is clamped to the room left, not refused.
    expect(await call('SampleChat', chat({ sampling: { maxTokens: 1_000_000 } }))).toBeUndefined();
    expect(
      await call('Sample', { promptIds: int32ToBytes([1, 258]), n: 2, sampling: { maxTokens: 2 } }),
    ).toBeUndefined();
  });
});
