import type { Tuner, WorkflowTask } from '@ajet/spec';
import { decodeTokens, RecordingBackbone, RecordingJudge } from '@ajet/spec/test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, describe, expect, it } from 'vitest';
import { EpisodeEndpointServer } from './episode-endpoint-server.ts';
import { runEpisode } from './run-episode.ts';
import { TokenPolicy } from './token-policy.ts';

const workflowTask: WorkflowTask = {
  task: { taskId: '1', mainQuery: 'What is 2+3?', metadata: { answer: '5' } },
  episodeId: 'e1',
  taskTag: 'T1#R0',
  split: 'train',
  repeatIndex: 0,
};

const server = new EpisodeEndpointServer({ model: 'recording' });
afterAll(() => server.close());

/** An agent written against the OpenAI API only: ask, get a tool result, ask again. */
async function openaiAgent(client: OpenAI): Promise<string> {
  const messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [
    { role: 'system', content: 'You add numbers.' },
    { role: 'user', content: 'What is 2+3?' },
  ];
  const first = await client.chat.completions.create({ model: 'recording', messages, temperature: 0.5 });
  messages.push({ role: 'assistant', content: first.choices[0]?.message.content ?? '' });
  messages.push({ role: 'user', content: '<output>5</output>' });
  const second = await client.chat.completions.create({ model: 'recording', messages });
  return second.choices[0]?.message.content ?? '';
}

async function run(makeClient: (tuner: Tuner) => Promise<OpenAI> | OpenAI) {
  const backbone = new RecordingBackbone({ respond: ({ callNumber }) => (callNumber === 0 ? 'call tool' : 'It is 5') });
  let keyAfterEpisode: { baseURL: string; apiKey: string } | undefined;
  const result = await runEpisode({
    workflowTask,
    createWorkflow: () => ({
      async execute(_task, tuner) {
        const client = await makeClient(tuner);
        if (client.baseURL.startsWith('http://127.0.0.1'))
          keyAfterEpisode = { baseURL: client.baseURL, apiKey: client.apiKey ?? '' };
        return { metadata: { finalAnswer: await openaiAgent(client) } };
      },
    }),
    judge: new RecordingJudge(),
    policy: new TokenPolicy({ backbone, description: 'recording' }),
    sampling: { temperature: 1 },
    seedParts: ['test'],
    rollout: { maxSteps: 5 },
    timeoutMs: 30_000,
    tunerServices: { model: 'recording', endpointServer: () => server },
  });
  return { result, backbone, keyAfterEpisode };
}

describe('agents written against the OpenAI API', () => {
  it.each([
    ['the loopback endpoint', async (tuner: Tuner) => new OpenAI({ ...(await tuner.endpoint()), maxRetries: 0 })],
    ['the in-process client', (tuner: Tuner) => tuner.openai()],
  ])('train unchanged through %s, recorded as one merged sample', async (_name, makeClient) => {
    const { result, backbone, keyAfterEpisode } = await run(makeClient);
    expect(result.error).toBeUndefined();
    expect(result.output?.metadata.finalAnswer).toBe('It is 5');
    expect(result.trajectory.sequences).toHaveLength(1);
    const [sequence] = result.trajectory.sequences;
    if (!sequence) throw new Error('no sequence');
    const trained = decodeTokens(sequence.tokenIds.filter((_, index) => sequence.lossMask[index] === 1));
    expect(trained).toBe('call tool<|im_end|>It is 5<|im_end|>');
    expect(decodeTokens(sequence.tokenIds)).toContain('<output>5</output>');
    // The request's temperature reached the sampler; the second call used the run's default.
    expect(backbone.sampleCalls.map((call) => call.sampling.temperature)).toEqual([0.5, 1]);
    expect(result.reward).toBe(0);
    if (keyAfterEpisode) {
      const late = new OpenAI({ ...keyAfterEpisode, maxRetries: 0 });
      await expect(
        late.chat.completions.create({ model: 'x', messages: [{ role: 'user', content: 'hi' }] }),
      ).rejects.toThrow(/401/);
    }
  });

  it('speaks Anthropic Messages too (the official client, x-api-key), recorded the same way', async () => {
    const { result } = await run(async (tuner) => {
      const endpoint = await tuner.endpoint();
      const anthropic = new Anthropic({
        baseURL: endpoint.baseURL.replace(/\/v1$/, ''),
        apiKey: endpoint.apiKey,
        maxRetries: 0,
      });
      const reply = await anthropic.messages.create({
        model: endpoint.model,
        max_tokens: 16,
        messages: [{ role: 'user', content: 'hello' }],
      });
      expect(reply.content).toEqual([{ type: 'text', text: 'call tool' }]);
      return new OpenAI({ ...endpoint, maxRetries: 0 });
    });
    expect(result.error).toBeUndefined();
    expect(result.trajectory.calls.length).toBe(3);
  });

  it('answers malformed requests with 400 and an over-cap body with 413, not a crash', async () => {
    const { result } = await run(async (tuner) => {
      const endpoint = await tuner.endpoint();
      const response = await fetch(`${endpoint.baseURL}/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${endpoint.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ messages: [] }),
      });
      expect(response.status).toBe(400);
      expect(JSON.stringify(await response.json())).toContain('messages');
      const tooLarge = await fetch(`${endpoint.baseURL}/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${endpoint.apiKey}`, 'content-type': 'application/json' },
        body: ' '.repeat(32 * 1024 * 1024 + 1),
      });
      expect(tooLarge.status).toBe(413);
      expect(JSON.stringify(await tooLarge.json())).toContain('request body over 33554432 bytes');
      return new OpenAI({ ...endpoint, maxRetries: 0 });
    });
    expect(result.error).toBeUndefined();
  });
});
