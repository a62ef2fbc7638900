import type { ChatMessage } from '@ajet/spec';
import { decodeTokens, RecordingBackbone } from '@ajet/spec/test';
import { describe, expect, it } from 'vitest';
import { TokenPolicy } from './token-policy.ts';
import { TrajectoryTracker } from './trajectory-tracker.ts';

function setup(respond?: (callNumber: number) => string) {
  const backbone = new RecordingBackbone({
    respond: ({ callNumber }) => respond?.(callNumber) ?? `reply ${callNumber}`,
  });
  const policy = new TokenPolicy({ backbone, description: 'recording' });
  const tracker = new TrajectoryTracker();
  const signal = new AbortController().signal;
  const chat = (messages: ChatMessage[]) => policy.chat({ tracker, request: { messages }, sampling: {}, signal });
  return { backbone, tracker, chat };
}

describe('TrajectoryTracker through TokenPolicy', () => {
  it('merges calls that continue the conversation into one sequence, masking everything not sampled', async () => {
    const { backbone, tracker, chat } = setup();
    const messages: ChatMessage[] = [{ role: 'user', content: 'hi' }];
    const first = await chat(messages);
    messages.push(first.message, { role: 'tool', content: 'TOOL OUTPUT' });
    const second = await chat(messages);
    messages.push(second.message);
    const trajectory = tracker.snapshot();
    expect(trajectory.sequences).toHaveLength(1);
    const [sequence] = trajectory.sequences;
    if (!sequence) throw new Error('no sequence');
    const trained = decodeTokens(sequence.tokenIds.filter((_, index) => sequence.lossMask[index] === 1));
    expect(trained).toBe('reply 0<|im_end|>reply 1<|im_end|>');
    // The second prompt is the first call's exact tokens plus an increment: nothing was re-rendered.
    const [call0, call1] = trajectory.calls;
    expect(call1?.promptIds.slice(0, (call0?.promptIds.length ?? 0) + (call0?.completionIds.length ?? 0))).toEqual([
      ...(call0?.promptIds ?? []),
      ...(call0?.completionIds ?? []),
    ]);
    expect(backbone.renderCalls[1]?.prefix?.messageCount).toBe(2);
    expect(trajectory.messages.map((message) => message.content)).toEqual(['hi', 'reply 0', 'TOOL OUTPUT', 'reply 1']);
  });

  it('keeps the prompt of every call exactly as the backbone saw it, however many turns follow', async () => {
    const { backbone, tracker, chat } = setup();
    const messages: ChatMessage[] = [{ role: 'user', content: 'hi' }];
    for (let turn = 0; turn < 3; turn++) {
      messages.push((await chat(messages)).message, { role: 'tool', content: `output ${turn}` });
    }
    const { calls } = tracker.snapshot();
    const seen = backbone.sampleCalls.map((call) => call.promptIds);
    expect(calls.map((call) => call.promptIds)).toEqual(seen);
    expect(JSON.parse(JSON.stringify(calls)).map((call: { promptIds: number[] }) => call.promptIds)).toEqual(seen);
    const [first] = calls;
    if (!first) throw new Error('no call');
    expect(first.promptIds).toBe(first.promptIds);
    first.promptIds = [1];
    expect(first.promptIds).toEqual([1]);
  });

  it('starts a new sequence when the history was edited (a fork)', async () => {
    const { tracker, chat } = setup();
    const first = await chat([{ role: 'user', content: 'hi' }]);
    await chat([
      { role: 'user', content: 'hi' },
      { ...first.message, content: 'edited reply' },
      { role: 'user', content: 'next' },
    ]);
    const trajectory = tracker.snapshot();
    expect(trajectory.sequences).toHaveLength(2);
    expect(trajectory.calls.map((call) => call.sequenceIndex)).toEqual([0, 1]);
    // The edited assistant text is prompt now, not trained.
    const second = trajectory.sequences[1];
    expect(second?.lossMask.filter((mask) => mask === 1)).toHaveLength('reply 1'.length + 1);
  });

  it('merges token-level calls from endpoints by token prefix', () => {
    const tracker = new TrajectoryTracker();
    const completion = (ids: number[]) => ({
      tokenIds: ids,
      logprobs: ids.map(() => -1),
      text: '',
      finishReason: 'stop' as const,
    });
    const base = { policyVersion: 0, requestMessages: [], response: { role: 'assistant' as const, content: '' } };
    tracker.recordByTokens({ ...base, promptIds: [1, 2, 3], completion: completion([4, 5]) });
    tracker.recordByTokens({ ...base, promptIds: [1, 2, 3, 4, 5, 6, 7], completion: completion([8]) });
    tracker.recordByTokens({ ...base, promptIds: [9], completion: completion([10]) });
    const { sequences } = tracker.snapshot();
    expect(sequences).toHaveLength(2);
    expect(sequences[0]).toEqual({
      tokenIds: [1, 2, 3, 4, 5, 6, 7, 8],
      lossMask: [0, 0, 0, 1, 1, 0, 0, 1],
      logprobs: [0, 0, 0, -1, -1, 0, 0, -1],
    });
  });

  it('returns an empty length-limited reply instead of sampling past the model length', async () => {
    const backbone = new RecordingBackbone();
    backbone.getInfo = async () => ({
      model: 'tiny',
      tokenizer: 'bytes',
      policyVersion: 0,
      capabilities: { trainable: true, lora: false, maxModelLen: 8 },
    });
    const policy = new TokenPolicy({ backbone, description: 'tiny' });
    const response = await policy.chat({
      tracker: new TrajectoryTracker(),
      request: { messages: [{ role: 'user', content: 'a long question' }] },
      sampling: {},
      signal: new AbortController().signal,
    });
    expect(response.finishReason).toBe('length');
    expect(backbone.sampleCalls).toHaveLength(0);
  });
});
