import type { Task, WorkflowTask } from '@ajet/spec';
import { afterEach, describe, expect, it } from 'vitest';
import { type SecretWordEnv, startSecretWordEnv } from './__fixtures__/secret-word-env.ts';
import { EnvEpisode } from './env-episode.ts';
import { EnvServiceError } from './env-service-client.ts';
import { EnvServiceJudge } from './env-service-judge.ts';
import { EnvServiceReader } from './env-service-reader.ts';

const envs: SecretWordEnv[] = [];
afterEach(async () => {
  await Promise.all(envs.splice(0).map((env) => env.close()));
});

async function readTasks(url: string, split: 'train' | 'validation'): Promise<Task[]> {
  const reader = new EnvServiceReader(EnvServiceReader.settings.parse({ env_url: url, env_type: 'secret_word' }));
  const tasks: Task[] = [];
  for await (const task of reader.readTasks(split)) tasks.push(task);
  return tasks;
}

function episodeOf(task: Task): WorkflowTask {
  return { task, episodeId: `e-${task.taskId}`, taskTag: `T${task.taskId}#R0`, split: 'train', repeatIndex: 0 };
}

const judge = new EnvServiceJudge(EnvServiceJudge.settings.parse({}));
const trajectory = { messages: [], calls: [], sequences: [] };

describe('env_service (AgentJet protocol)', () => {
  it('lists tasks per split, runs an instance, and the judge scores it from the environment and releases it', async () => {
    const env = await startSecretWordEnv();
    envs.push(env);
    const tasks = await readTasks(env.url, 'train');
    expect(tasks.map((task) => task.taskId)).toEqual(['0', '1', '2']);
    expect((await readTasks(env.url, 'validation')).map((task) => task.taskId)).toEqual(['3']);
    const [task] = tasks;
    if (!task) throw new Error('no task');
    const episode = await EnvEpisode.open(episodeOf(task));
    expect(episode.messages.at(-1)).toEqual({ role: 'user', content: 'The secret word is apple.' });
    const wrong = await episode.step({ role: 'assistant', content: 'pear' });
    expect(wrong).toMatchObject({
      reward: 0,
      terminated: false,
      messages: [{ role: 'user', content: 'Wrong, try again.' }],
    });
    const right = await episode.step({ role: 'assistant', content: 'It is apple.' });
    expect(right).toMatchObject({ reward: 1, terminated: true });
    expect(env.live()).toBe(1);
    const verdict = await judge.computeReward(episodeOf(task), { metadata: episode.outputMetadata() }, trajectory);
    expect(verdict).toEqual({ rawReward: 1, isSuccess: true, details: { env_score: 1 } });
    expect(env.live()).toBe(0);
  });

  it('a server that dies mid-episode fails the step and the judge with an error naming it, never a hang', async () => {
    const env = await startSecretWordEnv();
    envs.push(env);
    const [task] = await readTasks(env.url, 'train');
    if (!task) throw new Error('no task');
    const episode = await EnvEpisode.open(episodeOf(task));
    await env.close();
    const step = episode.step({ role: 'assistant', content: 'apple' });
    await expect(step).rejects.toBeInstanceOf(EnvServiceError);
    await expect(step).rejects.toThrow(`${env.url}/step`);
    await expect(
      judge.computeReward(episodeOf(task), { metadata: episode.outputMetadata() }, trajectory),
    ).rejects.toThrow(`${env.url}/evaluate`);
    await expect(readTasks(env.url, 'train')).rejects.toThrow(/get_env_profile/);
  });

  it('says what is missing when a task or output has no env_service reference', async () => {
    const task: Task = { taskId: '9', mainQuery: 'q', metadata: {} };
    await expect(EnvEpisode.open(episodeOf(task))).rejects.toThrow(/metadata.environment/);
    await expect(judge.computeReward(episodeOf(task), { metadata: {} }, trajectory)).rejects.toThrow(
      /outputMetadata\(\)/,
    );
  });
});
