import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MetricsRecord } from '@ajet/spec';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './helpers/run-ajet.ts';

// The documented deployment: `ajet serve` on the GPU machine, the trainer on a laptop, no shared disk. Each side
// runs in its own mount namespace with a tmpfs over the other side's folder, so neither can see the other's files.
const PLUGINS = join(REPO_ROOT, 'test/fixtures/basic/fixture-plugins.ts');
const AJET_BIN = join(REPO_ROOT, 'packages/cli/bin/ajet.js');
/** `ajet serve` over the recording test backbone (a test helper: production has no test double). */
const SERVE_RECORDING = join(REPO_ROOT, 'test/helpers/serve-recording.ts');
const canUnshare = spawnSync('unshare', ['--mount', 'true']).status === 0;
if (!canUnshare) console.warn('remote-checkpoints.test.ts skipped: `unshare --mount` needs root (or user namespaces)');

/** `command` in a new mount namespace where `hidden` is an empty tmpfs. */
function isolated(hidden: string, command: readonly string[]): string[] {
  const quoted = command.map((part) => `'${part.replaceAll("'", `'\\''`)}'`).join(' ');
  return ['--mount', '--propagation', 'private', 'sh', '-c', `mount -t tmpfs none '${hidden}' && exec ${quoted}`];
}

function readJsonl<T>(file: string): T[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as T);
}

describe.skipIf(!canUnshare)('checkpoints with the backend on another file system', () => {
  const servers: ChildProcess[] = [];
  afterEach(async () => {
    for (const server of servers.splice(0)) {
      if (server.exitCode !== null) continue;
      const exited = new Promise((resolve) => server.on('close', resolve));
      server.kill('SIGTERM');
      await exited;
    }
  });

  /** The serve command over the recording backbone, unable to see `hidden`; resolves with its address. */
  async function serve(options: {
    hidden: string;
    stateRoot: string;
  }): Promise<{ address: string; log: () => string }> {
    const args = ['--port', '0', '--state-root', options.stateRoot];
    const command = [process.execPath, '--import', 'tsx', SERVE_RECORDING, ...args];
    const child = spawn('unshare', isolated(options.hidden, command), {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    servers.push(child);
    let log = '';
    const address = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`ajet serve did not start: ${log}`)), 60_000);
      child.stderr?.on('data', (chunk: Buffer) => {
        log += chunk.toString();
        const match = /ajet serve: \S+ on (\S+)/.exec(log);
        if (match?.[1]) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      });
      child.on('close', () => reject(new Error(`ajet serve exited: ${log}`)));
    });
    return { address, log: () => log };
  }

  /** The trainer, which cannot see `hidden`. */
  function train(options: {
    hidden: string;
    args: readonly string[];
  }): Promise<{ code: number | null; stderr: string }> {
    return new Promise((resolve) => {
      const child = spawn('unshare', isolated(options.hidden, [process.execPath, AJET_BIN, ...options.args]), {
        cwd: REPO_ROOT,
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      child.on('close', (code) => resolve({ code, stderr }));
    });
  }

  it('the server keeps the weights under its --state-root, the trainer keeps state.json and where; --resume loads them by name', async () => {
    const base = mkdtempSync(join(tmpdir(), 'ajet-remote-'));
    const trainerSide = join(base, 'laptop');
    const serverSide = join(base, 'gpu-machine');
    mkdirSync(trainerSide);
    mkdirSync(serverSide);
    const stateRoot = join(serverSide, 'state');
    const experiment = join(trainerSide, 'run');
    const conf = join(trainerSide, 'conf.yaml');
    writeFileSync(
      conf,
      `ajet:
  seed: 5
  backbone: grpc
  model:
    path: recording
  task_reader:
    type: ${PLUGINS}->CountingReader
    settings:
      count: 8
  rollout:
    user_workflow: ${PLUGINS}->TwoTurnWorkflow
    num_repeat: 2
  task_judge:
    judge_protocol: ${PLUGINS}->PatternJudge
  data:
    train_batch_size: 2
  trainer_common:
    total_epochs: 2
    total_training_steps: 3
    save_freq: 1
    max_checkpoints: 2
`,
    );

    const first = await serve({ hidden: trainerSide, stateRoot });
    const args = ['--conf', conf, '--experiment-dir', experiment, '--set', `backbones.grpc.address=${first.address}`];
    const run = await train({ hidden: serverSide, args });
    expect(run.code, `${run.stderr}\n--- server ---\n${first.log()}`).toBe(0);

    const checkpoint = join(experiment, 'checkpoints', 'step-3');
    expect(readdirSync(checkpoint).sort()).toEqual(['backend.json', 'manifest.json', 'state.json']);
    const backend = JSON.parse(readFileSync(join(checkpoint, 'backend.json'), 'utf8')) as Record<string, string>;
    const state = JSON.parse(readFileSync(join(checkpoint, 'state.json'), 'utf8')) as { runId: string };
    expect(backend).toEqual({
      store: 'server',
      server: first.address,
      name: `run/${state.runId}/step-3`,
      path: join(stateRoot, 'run', state.runId, 'step-3'),
    });
    // The weights are on the server's disk only; pruning (max_checkpoints 2) left two checkpoints on each side.
    const weights = join(backend.path as string, 'recording-backbone.json');
    expect(existsSync(weights)).toBe(true);
    expect(readdirSync(join(experiment, 'checkpoints')).sort()).toEqual(['step-2', 'step-3']);
    expect(readdirSync(join(stateRoot, 'run', state.runId)).sort()).toEqual(['step-2', 'step-3']);
    expect(first.log()).toContain(`checkpoints (SaveState) go under ${stateRoot}`);

    // The GPU machine lost power mid-write: step-3's weights there are cut short. A new server process over the
    // same state root refuses that state; the trainer says so, resumes from step-2 and trains to step 5.
    truncateSync(weights, 3);
    const second = await serve({ hidden: trainerSide, stateRoot });
    const resumed = await train({
      hidden: serverSide,
      args: [
        ...args.slice(0, -1),
        `backbones.grpc.address=${second.address}`,
        '--resume',
        '--set',
        'trainer_common.total_training_steps=5',
      ],
    });
    expect(resumed.code, `${resumed.stderr}\n--- server ---\n${second.log()}`).toBe(0);
    expect(resumed.stderr).toMatch(
      /checkpoint step-3's state on the backend is damaged \(.*recording-backbone\.json has 3 bytes.*\): resuming from step-2, the newest whole checkpoint/,
    );
    expect(resumed.stderr).toMatch(/resuming after step 2/);
    const metrics = readJsonl<MetricsRecord>(join(experiment, 'metrics.jsonl')).filter(
      (record) => record.phase === 'train',
    );
    expect(metrics.map((record) => record.step)).toEqual([1, 2, 3, 4, 5]);
    // LoadState restored step 2's policy version on the fresh server (which starts at 0): step 3 went on from it.
    const version = (step: number) => metrics[step - 1]?.metrics['train/policy_version'] ?? Number.NaN;
    expect(version(2)).toBeGreaterThan(0);
    expect(version(3)).toBe(version(2) + 1);
    expect(readdirSync(join(stateRoot, 'run', state.runId)).sort()).toEqual(['step-4', 'step-5']);
  }, 180_000);
});
