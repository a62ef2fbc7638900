import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bytesToFloat32, bytesToInt32, float32ToBytes, int32ToBytes, uint8ToBytes } from './bytes.ts';
import { loadBackend } from './load-backend.ts';
import type {
  WireForwardBackwardRequest,
  WireSampleChatRequest,
  WireSampleChatResponse,
  WireSampleRequest,
  WireSampleRequestDecoded,
} from './wire.ts';

const fixture = (name: string) => readFileSync(new URL(`../test-fixtures/${name}.hex`, import.meta.url), 'utf8').trim();

const sampleRequest: WireSampleRequest = {
  promptIds: int32ToBytes([1, 2, 300, -1, 2_000_000]),
  n: 4,
  sampling: { temperature: 0.7, topP: 1, maxTokens: 32, stop: ['</s>'], seed: 42 },
};

const sampleChatRequest: WireSampleChatRequest = {
  messages: [
    { role: 'user', content: '2+3?', toolCalls: [], malformedToolCalls: [] },
    {
      role: 'assistant',
      content: '',
      toolCalls: [{ id: 'c1', name: 'add', arguments: '[2,3]' }],
      malformedToolCalls: [],
    },
    { role: 'tool', content: '5', toolCalls: [], malformedToolCalls: [], toolCallId: 'c1' },
  ],
  tools: [{ name: 'add', description: 'Adds', parametersJson: '{"type":"object"}' }],
  prefix: { tokenIds: int32ToBytes([7, 8, 9]), messageCount: 2 },
  n: 2,
  sampling: { temperature: 1, maxTokens: 16, stop: [], seed: 5 },
};

const sampleChatResponse: WireSampleChatResponse = {
  renderedIds: int32ToBytes([10, 11]),
  completions: [
    {
      index: 0,
      tokenIds: int32ToBytes([12]),
      logprobs: float32ToBytes([-0.5]),
      text: 'x',
      finishReason: 'FINISH_REASON_LENGTH',
      policyVersion: 3,
    },
  ],
  policyVersion: 3,
};

const forwardBackwardRequest: WireForwardBackwardRequest = {
  samples: [
    {
      tokenIds: int32ToBytes([5, 6, 7]),
      lossMask: uint8ToBytes([0, 1, 1]),
      samplerLogprobs: float32ToBytes([0, -0.5, -1.25]),
      advantage: 0.5,
    },
  ],
  loss: { ppo: { clipLow: 0.2, clipHigh: 0.28, kl: { beta: 0.01 }, aggregation: 'LOSS_AGGREGATION_TOKEN_MEAN' } },
  lossScale: 0.25,
};

describe('backend.proto wire format', () => {
  const { methods } = loadBackend();

  it('encodes a fixed Sample request to the checked-in bytes', () => {
    const encoded = methods.Sample.requestSerialize(sampleRequest);
    expect(encoded.toString('hex')).toBe(fixture('sample-request'));
  });

  it('encodes a fixed ForwardBackward request to the checked-in bytes', () => {
    const encoded = methods.ForwardBackward.requestSerialize(forwardBackwardRequest);
    expect(encoded.toString('hex')).toBe(fixture('forward-backward-request'));
  });

  it('encodes a fixed SampleChat request and response to the checked-in bytes', () => {
    expect(methods.SampleChat.requestSerialize(sampleChatRequest).toString('hex')).toBe(fixture('sample-chat-request'));
    expect(methods.SampleChat.responseSerialize(sampleChatResponse).toString('hex')).toBe(
      fixture('sample-chat-response'),
    );
  });

  it('puts token ids on the wire as little-endian int32 in a length-delimited field 1', () => {
    const encoded = methods.Sample.requestSerialize({ promptIds: int32ToBytes([258]), n: 0 });
    // tag (field 1, wire type 2) = 0x0a, length 4, then 258 = 0x00000102 little-endian.
    expect([...encoded.subarray(0, 6)]).toEqual([0x0a, 4, 0x02, 0x01, 0, 0]);
  });

  it('encodes long arrays (past the buffer pool) value by value in little-endian order', () => {
    const values = Array.from({ length: 2_000 }, (_, index) => ((index * 7919) % 300_000) - 150_000);
    const ints = int32ToBytes(values);
    const floats = float32ToBytes(values.map((value) => value / 64));
    values.forEach((value, index) => {
      expect(ints.readInt32LE(index * 4)).toBe(value);
      expect(floats.readFloatLE(index * 4)).toBe(value / 64);
    });
    expect(bytesToInt32(int32ToBytes(values.slice(0, 3)))).toEqual(values.slice(0, 3));
  });

  it('round-trips the byte encodings', () => {
    expect(bytesToInt32(int32ToBytes([0, -7, 2 ** 31 - 1]))).toEqual([0, -7, 2 ** 31 - 1]);
    expect(bytesToFloat32(float32ToBytes([-0.5, 1.25]))).toEqual([-0.5, 1.25]);
    const decoded = methods.Sample.requestDeserialize(
      methods.Sample.requestSerialize(sampleRequest),
    ) as WireSampleRequestDecoded;
    expect(bytesToInt32(decoded.promptIds)).toEqual([1, 2, 300, -1, 2_000_000]);
    expect(decoded.sampling?.seed).toBe(42);
  });
});
