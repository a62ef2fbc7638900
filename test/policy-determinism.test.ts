import type { ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EpisodeRecord } from '@ajet/spec';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runAjet, startAjetServe } from './helpers/run-ajet.ts';

const CONF = 'tutorial/example_calculator_agent/calculator_agent.yaml';
const MODEL = join(mkdtempSync(join(tmpdir(), 'ajet-determinism-model-')), 'tinylm');
cpSync(join(REPO_ROOT, 'packages/tinylm/weights/tinylm-calculator-smooth'), MODEL, { recursive: true });
const QUESTIONS = 8;
const servers: ChildProcess[] = [];
afterAll(() => {
  for (const server of servers) server.kill('SIGKILL');
});

/** Each validation episode's messages, token ids and sampler logprobs, by episode id. */
async function evaluate(placement: string[], temperature: number): Promise<Map<string, unknown>> {
  const dir = join(mkdtempSync(join(tmpdir(), 'ajet-determinism-')), 'run');
  const run = await runAjet([
    '--conf',
    CONF,
    ...placement,
    '--mode',
    'eval',
    '--set',
    `debug.debug_first_n_tasks=${QUESTIONS}`,
    '--set',
    `rollout.val_kwargs.temperature=${temperature}`,
    '--set',
    'trainer_common.val_pass_n=2',
    // Only the sampled pass, at `temperature`, and only the main validation split.
    '--set',
    'rollout.val_kwargs.greedy=false',
    '--set',
    'task_reader.extra_validation=[]',
    '--set',
    'trainer_common.trajectories_per_step=1000',
    '--experiment-dir',
    dir,
  ]);
  expect(run.code, run.stderr).toBe(0);
  const records = readFileSync(join(dir, 'trajectories', 'eval-step-0.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as EpisodeRecord);
  expect(records).toHaveLength(2 * QUESTIONS);
  return new Map(
    records.map((record) => [
      record.episodeId,
      {
        messages: record.messages,
        reward: record.reward,
        sequences: record.sequences.map(({ tokenIds, logprobs }) => ({ tokenIds, logprobs })),
      },
    ]),
  );
}

describe('where the embedded policy runs does not change what it samples', () => {
  it('greedy and T=0.9 episodes are bit-identical in process on 1 and 2 threads, on 0 to 3 sampling threads and over gRPC (ajet serve)', async () => {
    // The server samples on 2 sampler threads, every episode at once.
    const server = await startAjetServe(MODEL, ['--sample-threads', '2']);
    servers.push(server.child);
    const inProcess = ['--backbone', 'debug', '--set', `model.path=${MODEL}`];
    const placements = {
      'in process, 1 thread, sampling on the calling thread': [
        ...inProcess,
        ...['--set', 'debug.train_threads=1', '--set', 'debug.sample_threads=0'],
      ],
      'in process, 2 threads, 2 sampling threads, 4 episodes at once': [
        ...inProcess,
        ...['--set', 'debug.train_threads=2', '--set', 'debug.sample_threads=2', '--set', 'debug.debug_max_parallel=4'],
      ],
      'in process, 3 sampling threads, every episode at once': [
        ...inProcess,
        ...['--set', 'debug.sample_threads=3', '--set', 'debug.debug_max_parallel=64'],
      ],
      'over gRPC, every episode at once': ['--backbone', 'grpc', '--set', `backbones.grpc.address=${server.address}`],
    };
    for (const temperature of [0, 0.9]) {
      const [first, ...others] = await Promise.all(
        Object.values(placements).map((placement) => evaluate(placement, temperature)),
      );
      for (const [index, other] of others.entries()) {
        const name = Object.keys(placements)[index + 1];
        expect(other, `${name} at T=${temperature}`).toEqual(first);
      }
    }
  }, 300_000);
});
