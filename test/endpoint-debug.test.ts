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
    requests.push(parsed);
    const promptIds = parsed.messages.flatMap((message) =>
      [...message.content].map((character) => character.charCodeAt(0)),
    );
    response.setHeader('content-type', 'application/json');
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

describe('--backbone debug against an OpenAI-compatible endpoint', () => {
  it('runs rollouts and judges, records the returned token ids, trains nothing and says so', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'ajet-endpoint-'));
    const conf = join(folder, 'conf.yaml');
    writeFileSync(
      conf,
      `ajet:
  model:
    path: tiny
    endpoint:
      base_url: ${baseUrl}
  task_reader:
    type: ${PLUGINS}->CountingReader
    settings:
      count: 2
  rollout:
    user_workflow: ${PLUGINS}->TwoTurnWorkflow
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
    expect(run.stderr).toMatch(
      /warning: endpoint http:\/\/127\.0\.0\.1:\d+\/v1 \(model tiny\) cannot train: rollouts and rewards only/,
    );
    const [metrics] = readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as MetricsRecord);
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
});
