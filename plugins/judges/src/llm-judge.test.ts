import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PluginContext, WorkflowTask } from '@ajet/spec';
import { afterEach, describe, expect, it } from 'vitest';
import { LlmJudge } from './llm-judge.ts';

type Reply = { status: number; content?: string } | 'hang' | 'trickle';

/** A loopback chat-completions server that answers requests with the scripted replies in order. */
async function startServer(replies: Reply[]): Promise<{ server: Server; url: string; bodies: unknown[] }> {
  const bodies: unknown[] = [];
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on('end', () => {
      bodies.push(JSON.parse(body));
      const reply = replies.shift() ?? { status: 500 };
      if (reply === 'hang') return;
      if (reply === 'trickle') {
        // Headers at once, then one byte of the body every 50 ms, for ever.
        response.writeHead(200, { 'content-type': 'application/json' });
        response.write('{"id": "c1", ');
        const timer = setInterval(() => response.write(' '), 50);
        response.on('close', () => clearInterval(timer));
        return;
      }
      response.writeHead(reply.status, { 'content-type': 'application/json' });
      if (reply.status !== 200) {
        response.end(JSON.stringify({ error: { message: 'busy', type: 'rate_limit' } }));
        return;
      }
      response.end(
        JSON.stringify({
          id: 'c1',
          object: 'chat.completion',
          created: 0,
          model: 'judge',
          choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: reply.content } }],
        }),
      );
    });
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}/v1`, bodies };
}

const context: PluginContext = { configDir: '.', config: {}, load: async () => Promise.reject(new Error('unused')) };
const task: WorkflowTask = {
  task: { taskId: '1', mainQuery: 'What is 2+3?', metadata: { answer: '5' } },
  episodeId: 'e',
  taskTag: 'T1#R0',
  split: 'train',
  repeatIndex: 0,
};
const trajectory = { messages: [{ role: 'assistant' as const, content: '\\boxed{5}' }], calls: [], sequences: [] };
const servers: Server[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    server.close();
  }
});

async function judgeWith(replies: Reply[], settings: Record<string, unknown> = {}) {
  const started = await startServer(replies);
  servers.push(started.server);
  const judge = new LlmJudge(
    LlmJudge.settings.parse({
      base_url: started.url,
      model: 'judge',
      api_key: 'k',
      initial_backoff_ms: 1,
      ...settings,
    }),
    context,
  );
  return { judge, bodies: started.bodies };
}

describe('llm_judge against a loopback server', () => {
  it('scores a good answer, sends the rubric, and caches by content', async () => {
    const { judge, bodies } = await judgeWith([{ status: 200, content: 'All parts right.\nscore: 0.9' }]);
    const first = await judge.computeReward(task, { metadata: { finalAnswer: '5' } }, trajectory);
    const second = await judge.computeReward(task, { metadata: { finalAnswer: '5' } }, trajectory);
    expect(first).toMatchObject({ rawReward: 0.9, isSuccess: true, details: { judgment: 'scored', cached: false } });
    expect(second.details).toMatchObject({ cached: true });
    expect(bodies).toHaveLength(1);
    expect(JSON.stringify(bodies[0])).toContain('YAML syntax');
  });

  it('asks again after garbage, then records a failed judgment (not a silent 0)', async () => {
    const { judge, bodies } = await judgeWith([
      { status: 200, content: 'I like this answer a lot' },
      { status: 200, content: 'score: excellent' },
    ]);
    const result = await judge.computeReward(task, { metadata: {} }, trajectory);
    expect(bodies).toHaveLength(2);
    expect(result).toMatchObject({
      rawReward: 0,
      isSuccess: false,
      details: { judgment: 'failed', code: 'JUDGE_UNPARSABLE_SCORE' },
    });
  });

  it('recovers from garbage when the retry has a score', async () => {
    const { judge } = await judgeWith([
      { status: 200, content: 'hmm' },
      { status: 200, content: 'score: 0.4' },
    ]);
    expect((await judge.computeReward(task, { metadata: {} }, trajectory)).rawReward).toBe(0.4);
  });

  it('backs off on 429 and 503, then succeeds', async () => {
    const { judge, bodies } = await judgeWith([{ status: 429 }, { status: 503 }, { status: 200, content: 'score: 1' }]);
    const result = await judge.computeReward(task, { metadata: {} }, trajectory);
    expect(bodies).toHaveLength(3);
    expect(result).toMatchObject({ rawReward: 1, isSuccess: true });
  });

  it('does not retry a 400', async () => {
    const { judge, bodies } = await judgeWith([{ status: 400 }, { status: 200, content: 'score: 1' }]);
    const result = await judge.computeReward(task, { metadata: {} }, trajectory);
    expect(bodies).toHaveLength(1);
    expect(result.details).toMatchObject({ judgment: 'failed', code: 'JUDGE_REQUEST_FAILED' });
  });

  it('times out, and with on_failure: raise throws', async () => {
    const { judge } = await judgeWith(['hang'], { timeout_ms: 150, max_retries: 0, on_failure: 'raise' });
    await expect(judge.computeReward(task, { metadata: {} }, trajectory)).rejects.toMatchObject({
      code: 'JUDGE_REQUEST_FAILED',
    });
  });

  it('times out and gives failure_reward with on_failure: reward', async () => {
    const { judge } = await judgeWith(['hang', 'hang'], { timeout_ms: 150, max_retries: 1, failure_reward: -1 });
    const result = await judge.computeReward(task, { metadata: {} }, trajectory);
    expect(result).toMatchObject({ rawReward: -1, isSuccess: false, details: { judgment: 'failed' } });
  });

  it('times out on a body sent slowly, not only on headers', async () => {
    const { judge } = await judgeWith(['trickle'], { timeout_ms: 300, max_retries: 0 });
    const started = performance.now();
    const result = await judge.computeReward(task, { metadata: {} }, trajectory);
    expect(result.details).toMatchObject({ judgment: 'failed', code: 'JUDGE_REQUEST_FAILED' });
    expect(String(result.details?.error)).toMatch(/timed out after 300 ms/);
    expect(performance.now() - started).toBeLessThan(3000);
  }, 10_000);

  it('retries a slow body like any timeout', async () => {
    const { judge, bodies } = await judgeWith(['trickle', { status: 200, content: 'score: 0.6' }], {
      timeout_ms: 300,
      max_retries: 1,
    });
    expect((await judge.computeReward(task, { metadata: {} }, trajectory)).rawReward).toBe(0.6);
    expect(bodies).toHaveLength(2);
  }, 10_000);

  it('reads the score of a 60 KB hostile reply in linear time', async () => {
    for (const content of [`score: 0.7\n${' \n'.repeat(30_000)}.`, `score: 0.7\nscore: ${'1'.repeat(60_000)}x`]) {
      const { judge } = await judgeWith([{ status: 200, content }]);
      const started = performance.now();
      const result = await judge.computeReward(task, { metadata: {} }, trajectory);
      expect(performance.now() - started).toBeLessThan(1000);
      expect(result.rawReward).toBe(0.7);
    }
  });

  it('takes the last score line, with quotes or spaces around it', async () => {
    const { judge } = await judgeWith([{ status: 200, content: 'score: 0.2\nOn reflection:\n  Score : "0.8"  ' }]);
    expect((await judge.computeReward(task, { metadata: {} }, trajectory)).rawReward).toBe(0.8);
  });

  it('reports a missing rubric_file as a ConfigError when built, naming the path', () => {
    expect(
      () =>
        new LlmJudge(
          LlmJudge.settings.parse({ base_url: 'http://127.0.0.1:9/v1', model: 'm', rubric_file: 'no-such.md' }),
          context,
        ),
    ).toThrow(expect.objectContaining({ code: 'JUDGE_NO_RUBRIC', message: expect.stringMatching(/no-such\.md/) }));
  });

  it('needs an endpoint and a model', () => {
    const saved = { base: process.env.OPENAI_BASE_URL, model: process.env.AJET_JUDGE_MODEL };
    delete process.env.OPENAI_BASE_URL;
    delete process.env.AJET_JUDGE_MODEL;
    try {
      expect(() => new LlmJudge(LlmJudge.settings.parse({}), context)).toThrow(/needs an endpoint and a model/);
    } finally {
      if (saved.base !== undefined) process.env.OPENAI_BASE_URL = saved.base;
      if (saved.model !== undefined) process.env.AJET_JUDGE_MODEL = saved.model;
    }
  });
});
