import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EpisodeRecord, MetricsRecord } from '@ajet/spec';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runAjet } from './helpers/run-ajet.ts';

const PLUGINS = join(REPO_ROOT, 'test/fixtures/basic/fixture-plugins.ts');
const requests: { model: string; messages: { role: string; content: string }[]; logprobs?: boolean }[] = [];

const toolRequests: { model: string; messages: { role: string; content: string; tool_call_id?: string }[] }[] = [];

/** First turn: one call with broken JSON arguments and one good calculator call; after the replies, an answer. */
function toolModelReply(request: (typeof toolRequests)[number]) {
  const answered = request.messages.some((message) => message.role === 'tool');
  const message = answered
    ? { role: 'assistant', content: 'The answer is 4.' }
    : {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'bad', type: 'function', function: { name: 'calculator', arguments: '{"expression": "2 +' } },
          { id: 'good', type: 'function', function: { name: 'calculator', arguments: '{"expression": "(2 + 2)"}' } },
        ],
      };
  return {
    id: 'x',
    object: 'chat.completion',
    created: 0,
    model: request.model,
    choices: [{ index: 0, message, finish_reason: answered ? 'stop' : 'tool_calls' }],
  };
}

/** A loopback server speaking the chat-completions protocol, vLLM-style token ids included. */
const server = createServer((request, response) => {
  let body = '';
  request.on('data', (chunk: Buffer) => {
    body += chunk.toString();
  });
  request.on('end', () => {
    if (request.url?.endsWith('/models')) {
      response.end(JSON.stringify({ object: 'list', data: [{ id: 'tiny', object: 'model' }] }));
      return;
    }
    const parsed = JSON.parse(body) as (typeof requests)[number];
    response.setHeader('content-type', 'application/json');
    if (parsed.model === 'tool-model') {
      toolRequests.push(parsed);
      response.end(JSON.stringify(toolModelReply(parsed)));
      return;
    }
    requests.push(parsed);
    const promptIds = parsed.messages.flatMap((message) =>
      [...message.content].map((character) => character.charCodeAt(0)),
    );
    response.end(
      JSON.stringify({
        id: 'x',
        object: 'chat.completion',
        created: 0,
        model: parsed.model,
        prompt_token_ids: promptIds,
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: 'ok' },
            finish_reason: 'stop',
            token_ids: [111, 107],
            logprobs: {
              content: [
                { token: 'token_id:111', logprob: -0.1 },
                { token: 'token_id:107', logprob: -0.2 },
              ],
            },
          },
        ],
        usage: { prompt_tokens: promptIds.length, completion_tokens: 2, total_tokens: promptIds.length + 2 },
      }),
    );
  });
});

let baseUrl = '';
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** Runs one step of `--backbone debug` on the fixture reader and judge against the loopback endpoint. */
async function runAgainstEndpoint(options: { model: string; rollout: string }) {
  const folder = mkdtempSync(join(tmpdir(), 'ajet-endpoint-'));
  const conf = join(folder, 'conf.yaml');
  writeFileSync(
    conf,
    `ajet:
  model:
    path: ${options.model}
    endpoint:
      base_url: ${baseUrl}
  task_reader:
    type: ${PLUGINS}->CountingReader
    settings:
      count: 2
  rollout:
${options.rollout}
    num_repeat: 2
  task_judge:
    judge_protocol: ${PLUGINS}->PatternJudge
  data:
    train_batch_size: 2
`,
  );
  const dir = join(folder, 'run');
  const run = await runAjet(['--conf', conf, '--backbone', 'debug', '--experiment-dir', dir]);
  expect(run.code, run.stderr).toBe(0);
  const [metrics] = readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as MetricsRecord);
  return { run, dir, metrics };
}

describe('--backbone debug against an OpenAI-compatible endpoint', () => {
  it('runs rollouts and judges, records the returned token ids, trains nothing and says so', async () => {
    const { run, dir, metrics } = await runAgainstEndpoint({
      model: 'tiny',
      rollout: `    user_workflow: ${PLUGINS}->TwoTurnWorkflow`,
    });
    expect(run.stderr).toMatch(
      /warning: endpoint http:\/\/127\.0\.0\.1:\d+\/v1 \(model tiny\) cannot train: rollouts and rewards only/,
    );
    expect(metrics?.metrics['reward/mean']).toBe(0.75);
    expect(metrics?.metrics['train/loss']).toBeUndefined();
    expect(requests).toHaveLength(8);
    expect(requests[0]?.logprobs).toBe(true);
    const [episode] = readFileSync(join(dir, 'trajectories', 'step-1.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as EpisodeRecord);
    // Two calls whose token prompts extend each other merge into one sequence with the sampled ids masked in.
    expect(episode?.sequences).toHaveLength(1);
    const sequence = episode?.sequences[0];
    expect(sequence?.tokenIds.filter((_, index) => sequence.lossMask[index] === 1)).toEqual([111, 107, 111, 107]);
    expect(sequence?.logprobs.filter((_, index) => sequence.lossMask[index] === 1)).toEqual([-0.1, -0.2, -0.1, -0.2]);
  });

  it("react_agent with an endpoint's tool_calls: runs the good call, reports the broken one, counts it", async () => {
    const { metrics } = await runAgainstEndpoint({
      model: 'tool-model',
      rollout:
        '    user_workflow: react_agent\n    workflow_settings:\n      tools: [calculator]\n      tool_call_format: openai',
    });
    expect(metrics?.metrics['workflow/malformed_tool_calls']).toBe(1);
    expect(metrics?.metrics['workflow/tool_calls']).toBe(1);
    expect(metrics?.metrics['workflow/tool_errors']).toBe(0);
    expect(metrics?.metrics['workflow/answered']).toBe(1);
    // The second request answers the good call by its id and the broken one as a user message (no id to answer).
    const second = toolRequests.find((request) => request.messages.some((message) => message.role === 'tool'));
    const replies = second?.messages.slice(-2);
    expect(replies?.[0]).toMatchObject({ role: 'tool', tool_call_id: 'good', content: '4' });
    expect(replies?.[1]?.role).toBe('user');
    expect(replies?.[1]?.content).toMatch(
      /^Error: malformed tool call: the arguments of calculator are not valid JSON/,
    );
  });
});
