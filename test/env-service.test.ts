import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EpisodeRecord, MetricsRecord } from '@ajet/spec';
import { afterEach, describe, expect, it } from 'vitest';
import { type SecretWordEnv, startSecretWordEnv } from '../plugins/env-service/src/__fixtures__/secret-word-env.ts';
import { REPO_ROOT, runAjet } from './helpers/run-ajet.ts';

// The env_service reader and judge in a real run on the embedded policy, against an AgentJet-protocol environment
// server the test starts: tasks come from the server, rewards from its evaluate, every instance is released; and
// when the server dies mid-run, the episodes that needed it fail with an error naming it, are counted, and the run
// ends instead of hanging.

const AGENT = join(REPO_ROOT, 'test/fixtures/env-service/secret_word_agent.ts');
const envs: SecretWordEnv[] = [];
afterEach(async () => {
  await Promise.all(envs.splice(0).map((env) => env.close()));
});

async function train(env: SecretWordEnv) {
  const folder = mkdtempSync(join(tmpdir(), 'ajet-env-service-'));
  const conf = join(folder, 'conf.yaml');
  writeFileSync(
    conf,
    `ajet:
  task_reader:
    type: env_service
    env_service:
      env_url: ${env.url}
      env_type: secret_word
  rollout:
    user_workflow: ${AGENT}->SecretWordAgent
    num_repeat: 2
    max_tokens: 16
    episode_timeout_s: 30
    multi_turn:
      max_steps: 2
  task_judge:
    judge_protocol: env_service
  data:
    train_batch_size: 1
  trainer_common:
    total_training_steps: 2
    logger: [jsonl]
    fail_if_nothing_trained: false
`,
  );
  const dir = join(folder, 'run');
  const run = await runAjet(['--conf', conf, '--backbone', 'debug', '--experiment-dir', dir]);
  const metrics = readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as MetricsRecord)
    .filter((record) => record.phase === 'train');
  const records = [1, 2].flatMap((step) =>
    readFileSync(join(dir, 'trajectories', `step-${step}.jsonl`), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as EpisodeRecord),
  );
  return { run, metrics, records };
}

describe('env_service reader and judge in a run', () => {
  it('reads tasks from the environment, scores every episode by its evaluate and releases every instance', async () => {
    const env = await startSecretWordEnv();
    envs.push(env);
    const { run, metrics, records } = await train(env);
    expect(run.code, run.stderr).toBe(0);
    expect(metrics).toHaveLength(2);
    expect(records).toHaveLength(4);
    for (const record of records) {
      expect(record.error).toBeUndefined();
      expect(['0', '1', '2']).toContain(record.taskId);
      expect(record.judgeDetails).toEqual({ env_score: record.reward });
      // The agent saw the environment's state as its prompt.
      expect(record.messages[1]?.content).toMatch(/^The secret word is \w+\.$/);
    }
    expect(env.live()).toBe(0);
  });

  it('a server that dies mid-run fails the episodes that needed it, names it, and the run ends', async () => {
    const env = await startSecretWordEnv({ dieAtStep: 3 });
    envs.push(env);
    const { run, metrics, records } = await train(env);
    expect(run.code, run.stderr).toBe(0);
    const failed = records.filter((record) => record.error);
    expect(failed.length).toBeGreaterThan(0);
    expect(metrics.reduce((total, step) => total + (step.metrics['episodes/failed'] ?? 0), 0)).toBe(failed.length);
    for (const record of failed) expect(record.error?.message).toContain(env.url);
    expect(run.stderr).toContain(`env_service ${env.url}/`);
  });
});
