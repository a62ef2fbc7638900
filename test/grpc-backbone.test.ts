import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GrpcBackbone } from '@ajet/backbone-grpc';
import type { MetricsRecord } from '@ajet/spec';
import { afterEach, describe, expect, it } from 'vitest';
import { type AjetServe, REPO_ROOT, runAjet, startAjetServe } from './helpers/run-ajet.ts';

const AJET_BIN = join(REPO_ROOT, 'packages/cli/bin/ajet.js');
const CONF = 'tutorial/example_calculator_agent/calculator_agent.yaml';
/** A private copy of the shipped weights, so both sides of a comparison start from the same bytes. */
const MODEL = join(mkdtempSync(join(tmpdir(), 'ajet-grpc-model-')), 'tinylm');
cpSync(join(REPO_ROOT, 'packages/tinylm/weights/tinylm-calculator'), MODEL, { recursive: true });
const SMALL = [
  '--set',
  `model.path=${MODEL}`,
  // The base weights earn rewards on the tutorial's own kinds of question (train.jsonl), so groups have variance.
  '--set',
  'task_reader.dataset_file.training.file_path=./data/train.jsonl',
  '--set',
  'trainer_common.total_training_steps=2',
  '--set',
  'data.train_batch_size=2',
  '--set',
  'rollout.num_repeat=4',
  '--set',
  'trainer_common.val_before_train=false',
  '--set',
  'trainer_common.test_freq=0',
  '--set',
  'trainer_common.save_freq=0',
  '--seed',
  '3',
];
const servers: ChildProcess[] = [];

afterEach(() => {
  for (const server of servers.splice(0)) server.kill('SIGKILL');
});

async function startServer(args: string[] = []): Promise<AjetServe> {
  const server = await startAjetServe(MODEL, args);
  servers.push(server.child);
  return server;
}

function metrics(dir: string): MetricsRecord[] {
  return readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as MetricsRecord);
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

describe('--backbone grpc against ajet serve', () => {
  it('trains the calculator tutorial remotely with the same rollouts as in process, and stops on SIGTERM', async () => {
    const server = await startServer(['--token', 'sesame']);
    const remoteDir = join(mkdtempSync(join(tmpdir(), 'ajet-grpc-')), 'run');
    const remote = await runAjet(
      [
        '--conf',
        CONF,
        '--backbone',
        'grpc',
        '--set',
        `backbones.grpc.address=${server.address}`,
        ...SMALL,
        '--experiment-dir',
        remoteDir,
      ],
      { env: { AJET_BACKEND_TOKEN: 'sesame' } },
    );
    expect(remote.code, remote.stderr).toBe(0);
    expect(remote.stderr).toMatch(/with grpc 127\.0\.0\.1:\d+ \(model tinylm-calculator\)/);
    const localDir = join(mkdtempSync(join(tmpdir(), 'ajet-local-')), 'run');
    const local = await runAjet(['--conf', CONF, '--backbone', 'debug', ...SMALL, '--experiment-dir', localDir]);
    expect(local.code, local.stderr).toBe(0);
    // The server trains on one thread, the debug backbone on debug.train_threads (2): the same bits either way.
    const untimed = (dir: string) =>
      metrics(dir).map(({ step, phase, metrics: values }) => ({
        step,
        phase,
        values: Object.fromEntries(Object.entries(values).filter(([name]) => !name.startsWith('time/'))),
      }));
    expect(untimed(remoteDir)).toEqual(untimed(localDir));
    expect(metrics(localDir).some((record) => record.metrics['train/loss'] !== undefined)).toBe(true);
    server.child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => server.child.on('close', resolve));
    expect(code).toBe(0);
    expect(server.stderr()).toMatch(/ajet serve: SIGTERM; finishing calls in flight/);
  }, 240_000);

  it('keeps answering keepalive pings while the policy trains (the work runs off the serving thread)', async () => {
    const server = await startServer();
    // Pings every second, dropped after one unanswered second: a serving thread blocked by a multi-second
    // ForwardBackward misses them and the client drops the connection.
    const remote = new GrpcBackbone({ address: server.address, keepaliveMs: 1000, keepaliveTimeoutMs: 1000 });
    const { tokenIds } = await remote.renderChat({
      messages: [{ role: 'user', content: 'What is 12 plus 30, then multiplied by 7? Add 5 and 9 first.' }],
    });
    const length = Math.min(360, tokenIds.length * 20);
    const sequence = Array.from({ length }, (_, index) => tokenIds[index % tokenIds.length] as number);
    const sample = {
      tokenIds: sequence,
      lossMask: sequence.map(() => 1),
      samplerLogprobs: sequence.map(() => 0),
      advantage: 1,
    };
    const started = performance.now();
    const response = await remote.forwardBackward({
      samples: Array.from({ length: 12 }, () => sample),
      loss: { type: 'cross_entropy', aggregation: 'token-mean' },
    });
    const seconds = (performance.now() - started) / 1000;
    console.log(`ForwardBackward of ${12 * length} tokens took ${seconds.toFixed(1)} s with 1 s keepalive pings`);
    expect(Number.isFinite(response.loss)).toBe(true);
    await remote.close();
  }, 300_000);

  it('a server killed mid-step is a clear error within the deadline, and the experiment folder keeps what was written', async () => {
    const server = await startServer();
    const dir = join(mkdtempSync(join(tmpdir(), 'ajet-grpc-kill-')), 'run');
    const run = spawn(
      process.execPath,
      [
        AJET_BIN,
        '--conf',
        CONF,
        '--backbone',
        'grpc',
        '--set',
        `backbones.grpc.address=${server.address}`,
        '--set',
        'backbones.grpc.deadline_s=5',
        ...SMALL,
        '--set',
        'trainer_common.total_training_steps=50',
        '--experiment-dir',
        dir,
      ],
      { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    run.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => run.on('close', resolve));
    const deadline = Date.now() + 120_000;
    while (!existsSync(join(dir, 'metrics.jsonl')) && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 50));
    server.child.kill('SIGKILL');
    const killedAt = Date.now();
    const code = await exited;
    expect(Date.now() - killedAt).toBeLessThan(30_000);
    expect(code).toBe(1);
    expect(stderr).toMatch(/ajet: error: .*(unavailable|deadline).*\(127\.0\.0\.1:\d+\)/);
    expect(existsSync(join(dir, 'config.yaml'))).toBe(true);
    expect(metrics(dir).length).toBeGreaterThanOrEqual(1);
  }, 240_000);

  it('an unreachable address and a wrong token fail before any rollout with a line naming the address', async () => {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'ajet-grpc-none-'));
    const unreachable = await runAjet([
      '--conf',
      CONF,
      '--backbone',
      'grpc',
      '--set',
      `backbones.grpc.address=127.0.0.1:${port}`,
      '--experiment-dir',
      dir,
    ]);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr.split('\n')[0]).toMatch(
      new RegExp(
        `ajet: error: GetInfo: backend server unavailable.*\\(127\\.0\\.0\\.1:${port}\\) Start .ajet serve. there`,
      ),
    );
    const server = await startServer(['--token', 'right']);
    const refused = await runAjet(
      [
        '--conf',
        CONF,
        '--backbone',
        'grpc',
        '--set',
        `backbones.grpc.address=${server.address}`,
        '--experiment-dir',
        dir,
      ],
      {
        env: { AJET_BACKEND_TOKEN: 'wrong' },
      },
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr.split('\n')[0]).toMatch(/GetInfo: the server refused the bearer token/);
  }, 120_000);
});
