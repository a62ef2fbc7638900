import { RecordingBackbone } from '@ajet/spec/test';
import { describe, expect, it } from 'vitest';
import { sampleChatInParts } from './sample-chat-in-parts.ts';

describe('sampleChatInParts', () => {
  const messages = [{ role: 'user' as const, content: 'hi' }];

  it('renders, then samples with maxTokens clamped to the room left in maxModelLen', async () => {
    const backbone = new RecordingBackbone();
    const rendered = (await backbone.renderChat({ messages })).tokenIds;
    const maxModelLen = rendered.length + 3;
    const response = await sampleChatInParts({ backbone, request: { messages, sampling: {} }, maxModelLen });
    expect(response.renderedIds).toEqual(rendered);
    expect(backbone.sampleCalls.at(-1)?.sampling.maxTokens).toBe(3);
    expect(response.completions).toHaveLength(1);
  });

  it('gives no completion and the current policy version when the prompt fills the context', async () => {
    const backbone = new RecordingBackbone();
    backbone.policyVersion = 4;
    const rendered = (await backbone.renderChat({ messages })).tokenIds;
    const response = await sampleChatInParts({
      backbone,
      request: { messages, sampling: { maxTokens: 8 } },
      maxModelLen: rendered.length,
    });
    expect(response).toEqual({ renderedIds: rendered, completions: [], policyVersion: 4 });
    expect(backbone.sampleCalls).toHaveLength(0);
  });

  it('stops between the two calls when the signal is aborted', async () => {
    const backbone = new RecordingBackbone();
    const controller = new AbortController();
    controller.abort(new Error('episode timeout'));
    const call = sampleChatInParts({
      backbone,
      request: { messages, sampling: {} },
      maxModelLen: 1000,
      signal: controller.signal,
    });
    await expect(call).rejects.toThrow('episode timeout');
    expect(backbone.sampleCalls).toHaveLength(0);
  });
});
