import { readFileSync } from 'node:fs';
import { claimResponseSchema, serviceStatusSchema, type WorkflowTask } from '@ajet/spec';
import { decodeTokens, RecordingBackbone, RecordingJudge } from '@ajet/spec/test';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { runEpisode } from '../runtime/run-episode.ts';
import { TokenPolicy } from '../runtime/token-policy.ts';
import { EpisodeBoard } from './episode-board.ts';
import { EpisodeServiceServer } from './episode-service-server.ts';
import { renderEpisodeServiceDocs } from './openapi-document.ts';

const TOKEN = 'service-token';

function workflowTask(index: number): WorkflowTask {
  return {
    task: { taskId: String(index), mainQuery: `What is ${index}+1?`, metadata: { answer: String(index + 1) } },
    episodeId: `train-s1-t${index}-r0`,
    taskTag: `T${index}#R0`,
    split: 'train',
    repeatIndex: 0,
  };
}

const servers: EpisodeServiceServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function startService(options: { timeoutMs?: number } = {}) {
  const warnings: string[] = [];
  const board = new EpisodeBoard({
    episodeTimeoutMs: options.timeoutMs ?? 30_000,
    warn: (message) => warnings.push(message),
  });
  const server = new EpisodeServiceServer({
    board,
    token: TOKEN,
    host: '127.0.0.1',
    port: 0,
    model: 'rec',
    maxSteps: 3,
  });
  servers.push(server);
  const url = await server.start();
  const backbone = new RecordingBackbone({ respond: ({ callNumber }) => (callNumber === 0 ? 'thinking' : '6') });
  const judge = new RecordingJudge();
  const episode = (index: number) =>
    runEpisode({
      workflowTask: workflowTask(index),
      createWorkflow: () => board.createWorkflow(),
      judge,
      policy: new TokenPolicy({ backbone, description: 'recording' }),
      sampling: { temperature: 1 },
      seedParts: ['test', index],
      rollout: { maxSteps: 3 },
      timeoutMs: options.timeoutMs ?? 30_000,
    });
  const call = async (path: string, body?: unknown, token = TOKEN) => {
    const response = await fetch(`${url}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const claim = async (body: Record<string, unknown> = { wait_s: 5 }) => {
    const reply = await call('/v1/episodes/claim', body);
    return claimResponseSchema.parse(reply.body);
  };
  return { url, board, judge, warnings, episode, call, claim };
}

describe('the episode service', () => {
  it('hands an offered episode to a client, records its model calls exactly and trains the reward it sends', async () => {
    const service = await startService();
    const result = service.episode(4);
    const claimed = await service.claim({ client_id: 'unit', wait_s: 5 });
    if (claimed.status !== 'claimed') throw new Error(`no episode: ${claimed.status}`);
    const { episode } = claimed;
    expect(episode).toMatchObject({ episode_id: 'train-s1-t4-r0', task_tag: 'T4#R0', model: 'rec', max_steps: 3 });
    expect(episode.task).toEqual({ task_id: '4', main_query: 'What is 4+1?', metadata: { answer: '5' } });
    expect(episode.deadline_ms).toBeGreaterThan(25_000);
    const openai = new OpenAI({ baseURL: episode.base_url, apiKey: episode.api_key, maxRetries: 0 });
    const messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [{ role: 'user', content: 'What is 4+1?' }];
    const first = await openai.chat.completions.create({ model: episode.model, messages });
    messages.push({ role: 'assistant', content: first.choices[0]?.message.content ?? '' });
    messages.push({ role: 'user', content: 'and?' });
    const second = await openai.chat.completions.create({ model: episode.model, messages });
    expect(second.choices[0]?.message.content).toBe('6');
    const end = await service.call(`/v1/episodes/${episode.episode_id}/end`, { reward: 0.25, final_answer: '6' });
    expect(end).toEqual({ status: 200, body: { episode_id: episode.episode_id, status: 'ended', judged: false } });
    const done = await result;
    expect(done.error).toBeUndefined();
    expect(done.reward).toBe(0.25);
    expect(done.output?.metadata).toMatchObject({ finalAnswer: '6', client: 'unit' });
    expect(service.judge.calls).toHaveLength(0);
    const [sequence] = done.trajectory.sequences;
    if (!sequence) throw new Error('no sequence');
    expect(done.trajectory.sequences).toHaveLength(1);
    const trained = sequence.tokenIds.filter((_, index) => sequence.lossMask[index] === 1);
    expect(decodeTokens(trained)).toBe('thinking<|im_end|>6<|im_end|>');
    expect(sequence.logprobs.filter((_, index) => sequence.lossMask[index] === 1).every(Number.isFinite)).toBe(true);
    // The episode is over: its model key and its id stop working.
    await expect(openai.chat.completions.create({ model: 'rec', messages })).rejects.toThrow(/401/);
    expect((await service.call(`/v1/episodes/${episode.episode_id}/end`, { reward: 1 })).status).toBe(410);
  });

  it('asks the configured judge when the client sends no reward', async () => {
    const service = await startService();
    const result = service.episode(4);
    const claimed = await service.claim();
    if (claimed.status !== 'claimed') throw new Error('no episode');
    const end = await service.call(`/v1/episodes/${claimed.episode.episode_id}/end`, { final_answer: '5' });
    expect(end.body).toMatchObject({ judged: true });
    const done = await result;
    expect(service.judge.calls).toHaveLength(1);
    expect(done).toMatchObject({ reward: 1, isSuccess: true });
  });

  it('fails an aborted episode with the reason, and refuses a wrong token, an unclaimed id and a bad body', async () => {
    const service = await startService();
    const result = service.episode(1);
    expect((await service.call('/v1/episodes/claim', { wait_s: 1 }, 'wrong')).status).toBe(401);
    const claimed = await service.claim();
    if (claimed.status !== 'claimed') throw new Error('no episode');
    const id = claimed.episode.episode_id;
    const bad = await service.call(`/v1/episodes/${id}/end`, { reward: 'high' });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('reward');
    const tooLarge = await fetch(`${service.url}/v1/episodes/${id}/end`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}` },
      body: ' '.repeat(32 * 1024 * 1024 + 1),
    });
    expect(tooLarge.status).toBe(413);
    expect(await tooLarge.json()).toMatchObject({ error: { message: expect.stringContaining('over 33554432 bytes') } });
    expect((await service.call('/v1/episodes/nope/end', { reward: 1 })).status).toBe(410);
    expect((await service.call(`/v1/episodes/${id}/abort`, { reason: 'tool server down' })).status).toBe(200);
    const done = await result;
    expect(done.error).toMatchObject({ kind: 'workflow', episodeId: id });
    expect(done.error?.message).toContain('tool server down');
    expect(serviceStatusSchema.parse((await service.call('/v1/status')).body)).toMatchObject({ aborted: 1, open: 0 });
  });

  it('fails a claimed episode whose client never ends it at the deadline, counted as expired', async () => {
    const service = await startService({ timeoutMs: 400 });
    const result = service.episode(2);
    const claimed = await service.claim({ client_id: 'dies', wait_s: 1 });
    expect(claimed.status).toBe('claimed');
    const done = await result;
    expect(done.error?.kind).toBe('timeout');
    const status = serviceStatusSchema.parse((await service.call('/v1/status')).body);
    expect(status).toMatchObject({ expired: 1, claimed: 0, open: 0 });
    expect(service.warnings.join('\n')).toMatch(/claimed by dies was not ended before its deadline/);
  });

  it('answers none after wait_s, and does not hand an episode to a client that hung up', async () => {
    const service = await startService();
    expect(await service.claim({ wait_s: 0.05 })).toEqual({ status: 'none' });
    const gone = new AbortController();
    const hungUp = fetch(`${service.url}/v1/episodes/claim`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ wait_s: 30 }),
      signal: gone.signal,
    }).catch(() => 'aborted');
    await new Promise((resolve) => setTimeout(resolve, 100));
    gone.abort();
    expect(await hungUp).toBe('aborted');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const result = service.episode(3);
    const claimed = await service.claim();
    expect(claimed.status).toBe('claimed');
    if (claimed.status === 'claimed')
      await service.call(`/v1/episodes/${claimed.episode.episode_id}/end`, { reward: 1 });
    expect((await result).reward).toBe(1);
  });

  it('tells waiting and later claims that the run is finished', async () => {
    const service = await startService();
    const waiting = service.claim({ wait_s: 30 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    service.board.finish();
    expect(await waiting).toEqual({ status: 'finished' });
    expect(await service.claim()).toEqual({ status: 'finished' });
  });

  it('docs/episode-service.md is the document generated from the schemas (pnpm gen:config)', async () => {
    const onDisk = readFileSync(new URL('../../../../docs/episode-service.md', import.meta.url), 'utf8');
    expect(onDisk).toBe(renderEpisodeServiceDocs());
    const service = await startService();
    const served = await fetch(`${service.url}/openapi.json`);
    const document = (await served.json()) as { paths: Record<string, unknown> };
    expect(Object.keys(document.paths)).toEqual([
      '/v1/episodes/claim',
      '/v1/episodes/{episode_id}/end',
      '/v1/episodes/{episode_id}/abort',
      '/v1/status',
    ]);
  });
});
