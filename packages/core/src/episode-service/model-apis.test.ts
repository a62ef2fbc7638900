import { claimResponseSchema, type WorkflowTask } from '@ajet/spec';
import { calcTagParser, decodeTokens, RecordingBackbone, RecordingJudge } from '@ajet/spec/test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { runEpisode } from '../runtime/run-episode.ts';
import { TokenPolicy } from '../runtime/token-policy.ts';
import { EpisodeBoard } from './episode-board.ts';
import { EpisodeServiceServer } from './episode-service-server.ts';

// The per-episode URL speaks OpenAI Responses and Anthropic Messages (and streams chat completions), tested with the
// official clients: tool calls map to the model's format both ways, and an episode's calls merge into one sample.

const TOKEN = 'service-token';

const servers: EpisodeServiceServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/** Runs one episode offered on a fresh service; `agent` gets the claimed episode's URL and key, then it is ended. */
async function episodeWith(agent: (episode: { baseURL: string; apiKey: string; model: string }) => Promise<void>) {
  const board = new EpisodeBoard({ episodeTimeoutMs: 30_000, warn: () => {} });
  const server = new EpisodeServiceServer({
    board,
    token: TOKEN,
    host: '127.0.0.1',
    port: 0,
    model: 'rec',
    maxSteps: 3,
    toolCallParser: calcTagParser,
  });
  servers.push(server);
  const url = await server.start();
  const backbone = new RecordingBackbone({
    respond: ({ callNumber }) => (callNumber === 0 ? 'Let me add. <calc>2+3</calc>' : 'It is 5.'),
  });
  const workflowTask: WorkflowTask = {
    task: { taskId: '1', mainQuery: 'What is 2+3?', metadata: { answer: '5' } },
    episodeId: 'train-s1-t0-r0',
    taskTag: 'T1#R0',
    split: 'train',
    repeatIndex: 0,
  };
  const result = runEpisode({
    workflowTask,
    createWorkflow: () => board.createWorkflow(),
    judge: new RecordingJudge(),
    policy: new TokenPolicy({ backbone, description: 'recording' }),
    sampling: { temperature: 1 },
    seedParts: ['test'],
    rollout: { maxSteps: 3 },
    timeoutMs: 30_000,
  });
  const post = (path: string, body: unknown) =>
    fetch(`${url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }).then((response) => response.json());
  const claimed = claimResponseSchema.parse(await post('/v1/episodes/claim', { wait_s: 5 }));
  if (claimed.status !== 'claimed') throw new Error('no episode');
  const { base_url: baseURL, api_key: apiKey, model } = claimed.episode;
  await agent({ baseURL, apiKey, model });
  await post(`/v1/episodes/${claimed.episode.episode_id}/end`, { reward: 1 });
  const done = await result;
  expect(done.error).toBeUndefined();
  // Both calls trained as one sample: the tool's reply between them is masked out.
  expect(done.trajectory.sequences).toHaveLength(1);
  const [sequence] = done.trajectory.sequences;
  if (!sequence) throw new Error('no sequence');
  const trained = sequence.tokenIds.filter((_, index) => sequence.lossMask[index] === 1);
  expect(decodeTokens(trained)).toBe('Let me add. <calc>2+3</calc><|im_end|>It is 5.<|im_end|>');
  expect(decodeTokens(sequence.tokenIds)).toContain('5');
  return { backbone };
}

const calcSchema = {
  type: 'object',
  properties: { expression: { type: 'string' } },
  required: ['expression'],
  additionalProperties: false,
};

describe('the OpenAI Responses API on an episode URL', () => {
  it.each([false, true])('runs a function-calling agent (stream: %s)', async (stream) => {
    await episodeWith(async ({ baseURL, apiKey, model }) => {
      const client = new OpenAI({ baseURL, apiKey, maxRetries: 0 });
      const tools: OpenAI.Responses.Tool[] = [
        { type: 'function', name: 'calc', description: 'adds', parameters: calcSchema, strict: true },
      ];
      const input: OpenAI.Responses.ResponseInputItem[] = [{ role: 'user', content: 'What is 2+3?' }];
      const ask = async (): Promise<OpenAI.Responses.Response> => {
        if (!stream) return client.responses.create({ model, input, tools, instructions: 'You add.' });
        const events = client.responses.stream({ model, input, tools, instructions: 'You add.' });
        let deltas = '';
        events.on('response.output_text.delta', (event) => {
          deltas += event.delta;
        });
        const final = await events.finalResponse();
        expect(deltas).toBe(final.output_text);
        return final;
      };
      const first = await ask();
      const call = first.output.find((item) => item.type === 'function_call');
      expect(call).toMatchObject({ name: 'calc', arguments: JSON.stringify({ expression: '2+3' }) });
      if (call?.type !== 'function_call') throw new Error('no function call');
      input.push(...(first.output as OpenAI.Responses.ResponseInputItem[]));
      input.push({ type: 'function_call_output', call_id: call.call_id, output: '5' });
      const second = await ask();
      expect(second.output_text).toBe('It is 5.');
      expect(second.usage?.output_tokens).toBeGreaterThan(0);
    });
  });
});

describe('the Anthropic Messages API on an episode URL', () => {
  it.each([false, true])('runs a tool-using agent (stream: %s)', async (stream) => {
    await episodeWith(async ({ baseURL, apiKey, model }) => {
      // Anthropic's client adds /v1/messages to its base URL.
      const client = new Anthropic({ baseURL: baseURL.replace(/\/v1$/, ''), apiKey, maxRetries: 0 });
      const tools: Anthropic.Tool[] = [
        { name: 'calc', description: 'adds', input_schema: calcSchema as Anthropic.Tool.InputSchema },
      ];
      const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'What is 2+3?' }];
      const ask = async (): Promise<Anthropic.Message> => {
        const request = { model, max_tokens: 64, system: 'You add.', tools, messages };
        if (!stream) return client.messages.create(request);
        const events = client.messages.stream(request);
        let deltas = '';
        events.on('text', (delta) => {
          deltas += delta;
        });
        const final = await events.finalMessage();
        expect(deltas).toBe(final.content.map((block) => (block.type === 'text' ? block.text : '')).join(''));
        return final;
      };
      const first = await ask();
      expect(first.stop_reason).toBe('tool_use');
      const toolUse = first.content.find((block) => block.type === 'tool_use');
      expect(toolUse).toMatchObject({ name: 'calc', input: { expression: '2+3' } });
      if (toolUse?.type !== 'tool_use') throw new Error('no tool_use');
      messages.push({ role: 'assistant', content: first.content });
      messages.push({ role: 'user', content: [{ type: 'tool_result', tool_use_id: toolUse.id, content: '5' }] });
      const second = await ask();
      expect(second.stop_reason).toBe('end_turn');
      expect(second.content).toEqual([{ type: 'text', text: 'It is 5.' }]);
    });
  });
});

describe('chat completions on an episode URL', () => {
  it('streams, tool calls included', async () => {
    await episodeWith(async ({ baseURL, apiKey, model }) => {
      const client = new OpenAI({ baseURL, apiKey, maxRetries: 0 });
      const tools: OpenAI.Chat.Completions.ChatCompletionTool[] = [
        { type: 'function', function: { name: 'calc', description: 'adds', parameters: calcSchema } },
      ];
      const messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [
        { role: 'user', content: 'What is 2+3?' },
      ];
      const first = await client.chat.completions.stream({ model, messages, tools }).finalChatCompletion();
      const message = first.choices[0]?.message;
      expect(message?.tool_calls?.[0]).toMatchObject({ function: { name: 'calc', arguments: '{"expression":"2+3"}' } });
      messages.push({ role: 'assistant', content: message?.content ?? '', tool_calls: message?.tool_calls });
      messages.push({ role: 'tool', tool_call_id: message?.tool_calls?.[0]?.id ?? '', content: '5' });
      let text = '';
      for await (const chunk of await client.chat.completions.create({ model, messages, tools, stream: true })) {
        text += chunk.choices[0]?.delta.content ?? '';
      }
      expect(text).toBe('It is 5.');
    });
  });
});
