import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { messageType } from './backend-service.ts';
import {
  bytesToFloat32,
  bytesToInt32,
  decodeForwardBackward,
  decodeRenderChat,
  decodeSampleRequest,
  encodeForwardBackward,
  encodeRenderChat,
  encodeSampleRequest,
  float32ToBytes,
  int32ToBytes,
} from './codec.ts';

const GOLDEN = fileURLToPath(new URL('./__fixtures__/sample-request.golden.hex', import.meta.url));

describe('wire format', () => {
  it('token ids are little-endian int32 and logprobs little-endian float32', () => {
    expect(Array.from(int32ToBytes([1, 256, -1]))).toEqual([1, 0, 0, 0, 0, 1, 0, 0, 255, 255, 255, 255]);
    expect(bytesToInt32(int32ToBytes([7, 151643]))).toEqual([7, 151643]);
    expect(bytesToFloat32(float32ToBytes([-0.5, 1]))).toEqual([-0.5, 1]);
  });

  it('a fixed SampleRequest encodes to the checked-in bytes (the golden file pins the protocol)', () => {
    const type = messageType('SampleRequest');
    const wire = encodeSampleRequest({
      promptIds: [1, 2, 300],
      n: 2,
      sampling: { temperature: 0.9, maxTokens: 16, stop: ['</calculator>'], seed: 42 },
    });
    const bytes = Buffer.from(
      type.encode(type.fromObject({ ...wire, prompt_ids: Buffer.from(wire.prompt_ids) })).finish(),
    ).toString('hex');
    if (process.env.AJET_UPDATE_GOLDEN) writeFileSync(GOLDEN, `${bytes}\n`);
    expect(bytes).toBe(readFileSync(GOLDEN, 'utf8').trim());
    const decoded = type.toObject(type.decode(Buffer.from(bytes, 'hex')), { longs: Number, defaults: false });
    expect(decodeSampleRequest(decoded as never)).toEqual({
      promptIds: [1, 2, 300],
      n: 2,
      sampling: { temperature: 0.9, maxTokens: 16, stop: ['</calculator>'], seed: 42 },
    });
  });

  it('round-trips chat rendering and training requests', () => {
    const render = {
      messages: [
        { role: 'user' as const, content: 'hi' },
        {
          role: 'assistant' as const,
          content: '',
          toolCalls: [{ id: 'c', name: 'calculator', arguments: '{"expression":"1+1"}' }],
        },
        { role: 'tool' as const, content: '2', toolCallId: 'c', name: 'calculator' },
      ],
      tools: [{ name: 'calculator', description: 'd', parameters: { type: 'object' } }],
      addGenerationPrompt: false,
      prefix: { tokenIds: [5, 6], messageCount: 1 },
    };
    expect(decodeRenderChat(encodeRenderChat(render))).toEqual(render);
    const train = {
      samples: [{ tokenIds: [1, 2, 3], lossMask: [0, 1, 1], samplerLogprobs: [0, -0.5, -0.25], advantage: 1.5 }],
      loss: {
        type: 'ppo' as const,
        clipLow: 0.2,
        clipHigh: 0.28,
        dualClip: 3,
        kl: { beta: 0.1, estimator: 'k3' as const },
        aggregation: 'seq-mean' as const,
      },
      lossScale: 0.5,
      temperature: 0.9,
    };
    expect(decodeForwardBackward(encodeForwardBackward(train))).toEqual(train);
  });
});
