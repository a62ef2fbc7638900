import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GrpcBackbone } from '@ajet/backbone-grpc';
import { defineBackboneConformance } from '@ajet/backbone-kit/conformance';
import type { MetricsRecord } from '@ajet/spec';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKEND_PYTHON, pythonBackendMissing, startPythonBackend } from './helpers/python-backend.ts';
import { REPO_ROOT, runAjet } from './helpers/run-ajet.ts';

// The backend as a Ray Serve application (backend/ajet_backend/ray_serve), on one local Ray cluster shared by
// the whole file (it takes about a minute to come up on 2 cores): 2 sampler replicas, a learner with 2 gloo
// workers, Serve's gRPC proxy serving ajet.v1.Backend. THE conformance suite runs through the proxy with grpc-js,
// then backend/tests/test_ray_cluster.py joins the cluster (data-parallel gradient, weight sync, a killed
// replica, a killed learner worker, a second application with a transformers model and LoRA), then the cluster
// stops and no process of it is left.
const rayMissing =
  pythonBackendMissing ??
  (spawnSync(BACKEND_PYTHON, ['-c', 'import importlib.util, sys; sys.exit(importlib.util.find_spec("ray") is None)'])
    .status === 0
    ? undefined
    : 'ray is not installed in backend/.venv: rerun `bash backend/scripts/setup_venv.sh`');
if (rayMissing) console.warn(`ray-backend.test.ts skipped: ${rayMissing}`);

// The calculator tutorial's warm start: it earns rewards from the first step, so groups have variance and train.
const MODEL = 'builtin:tinylm-calculator-smooth';

function readMetrics(file: string): MetricsRecord[] {
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as MetricsRecord);
}

/** Every process below `root` (ps), so that the test can check none outlives the cluster. */
function descendants(root: number): number[] {
  const table = execFileSync('ps', ['-eo', 'pid=,ppid='], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/).map(Number) as [number, number]);
  const found: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const parent = queue.shift() as number;
    for (const [pid, ppid] of table)
      if (ppid === parent) {
        found.push(pid);
        queue.push(pid);
      }
  }
  return found;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(rayMissing !== undefined)('the backend on a local Ray cluster (Ray Serve gRPC proxy)', () => {
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let log = '';
  let address = '';
  let rayAddress = '';
  const stateRoot = mkdtempSync(join(tmpdir(), 'ajet-ray-states-'));

  beforeAll(async () => {
    const args = ['-u', '-m', 'ajet_backend.ray_serve', 'serve', '--model', MODEL];
    args.push('--grpc-port', '0', '--num-cpus', '4', '--state-root', stateRoot);
    args.push('--args', JSON.stringify({ sampler_replicas: 2, learner_workers: 2 }));
    const started = spawn(BACKEND_PYTHON, args, {
      cwd: join(REPO_ROOT, 'backend'),
      env: { ...process.env, RAY_USAGE_STATS_ENABLED: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = started;
    exited = new Promise((resolve) => started.on('close', () => resolve()));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the Ray backend did not start within 240 s:\n${log}`)), 240_000);
      const read = (chunk: Buffer) => {
        log += chunk.toString();
        const port = /ajet_backend: serving .* on port (\d+)/.exec(log)?.[1];
        const cluster = /ajet_backend: Ray cluster at (\S+)/.exec(log)?.[1];
        if (port && cluster) {
          clearTimeout(timer);
          address = `127.0.0.1:${port}`;
          rayAddress = cluster;
          resolve();
        }
      };
      started.stdout?.on('data', read);
      started.stderr?.on('data', read);
      started.on('close', (code) => {
        clearTimeout(timer);
        reject(new Error(`the Ray backend exited with ${code} before serving:\n${log}`));
      });
    });
    // The untrained weights, for the tutorial comparison after the suites have trained this cluster.
    const backbone = new GrpcBackbone({ address, deadlineMs: 120_000 });
    await backbone.saveState({ path: 'fresh', includeOptimizer: true });
    await backbone.close();
  }, 300_000);

  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    await rm(stateRoot, { recursive: true, force: true });
  }, 120_000);

  defineBackboneConformance({
    name: 'Ray Serve gRPC proxy (2 sampler replicas, learner with 2 gloo workers)',
    create: async () => ({ backbone: new GrpcBackbone({ address, deadlineMs: 120_000 }) }),
  });

  it('joins the cluster for the data-parallel gradient, weight sync, killed replica and learner worker, and transformers-model checks (pytest)', () => {
    const result = spawnSync(
      BACKEND_PYTHON,
      ['-m', 'pytest', '-q', '-s', '-p', 'no:cacheprovider', 'tests/test_ray_cluster.py'],
      {
        cwd: join(REPO_ROOT, 'backend'),
        env: {
          ...process.env,
          AJET_RAY_ADDRESS: rayAddress,
          AJET_RAY_GRPC_PORT: address.split(':')[1],
          AJET_RAY_MODEL: MODEL,
          // The local cluster enabled Ray's token authentication and saved its token in ~/.ray/auth_token.
          RAY_AUTH_MODE: 'token',
          RAY_USAGE_STATS_ENABLED: '0',
        },
        encoding: 'utf8',
        timeout: 480_000,
      },
    );
    expect(result.status, `${result.stdout}\n${result.stderr}\n--- server ---\n${log}`).toBe(0);
    expect(result.stdout).toMatch(/5 passed/);
    // What the checks measured (restart time, sync payload, memory per replica): docs/ray.md quotes them.
    for (const line of result.stdout.split('\n')) {
      const measured = /^\.*((?:measured|learner restart|HF application|LoRA sync).*)/.exec(line)?.[1];
      if (measured) console.log(measured);
    }
  }, 500_000);

  it('trains the calculator tutorial through --backbone ray exactly as through one `ajet_backend serve` process', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'ajet-ray-parity-'));
    const tutorial = (backbone: string[], dir: string) => [
      ...['--conf', 'tutorial/example_calculator_agent/calculator_agent.yaml', ...backbone],
      ...['--set', 'trainer_common.total_training_steps=3', '--set', 'data.train_batch_size=2'],
      ...['--set', 'rollout.num_repeat=4', '--set', 'rollout.max_tokens=64'],
      ...['--set', 'trainer_common.val_before_train=false', '--set', 'trainer_common.test_freq=0'],
      ...['--set', 'trainer_common.save_freq=0', '--set', 'trainer_common.fail_if_nothing_trained=false'],
      ...['--seed', '3', '--experiment-dir', join(parent, dir)],
    ];
    const single = await startPythonBackend({ model: MODEL, maxModelLen: 4096 });
    try {
      const restore = new GrpcBackbone({ address, deadlineMs: 120_000 });
      await restore.loadState({ path: 'fresh', includeOptimizer: true });
      expect((await restore.getInfo()).policyVersion).toBe(0);
      await restore.close();
      const viaRay = await runAjet(
        tutorial(['--backbone', 'ray', '--set', `backbones.ray.grpc_port=${address.split(':')[1]}`], 'ray'),
        { timeoutMs: 330_000 },
      );
      expect(viaRay.code, viaRay.stderr).toBe(0);
      const viaServe = await runAjet(
        tutorial(['--backbone', 'grpc', '--set', `backbones.grpc.address=${single.address}`], 'serve'),
        { timeoutMs: 330_000 },
      );
      expect(viaServe.code, viaServe.stderr).toBe(0);
      const ray = readMetrics(join(parent, 'ray', 'metrics.jsonl'));
      const serve = readMetrics(join(parent, 'serve', 'metrics.jsonl'));
      expect(ray.map((record) => record.step)).toEqual([1, 2, 3]);
      // The same torch sampler with the same seeds draws the same tokens, so rewards are equal; only the order of
      // the gradient sums differs (2 data-parallel workers): 10 steps measured loss within 3e-8, grad norm 7e-6.
      ray.forEach((record, index) => {
        const other = (serve[index] as MetricsRecord).metrics;
        const values = record.metrics;
        expect(values['reward/mean']).toBe(other['reward/mean']);
        expect(values['tokens/sampled']).toBe(other['tokens/sampled']);
        expect(values['train/policy_version']).toBe(other['train/policy_version']);
        expect(Math.abs((values['train/loss'] ?? 0) - (other['train/loss'] ?? 0))).toBeLessThan(1e-6);
        expect(Math.abs((values['train/grad_norm'] ?? 0) - (other['train/grad_norm'] ?? 0))).toBeLessThan(1e-4);
      });
      expect(ray.some((record) => (record.metrics['groups/trained'] ?? 0) > 0)).toBe(true);
    } finally {
      await single.stop();
      await rm(single.stateRoot, { recursive: true, force: true });
      await rm(parent, { recursive: true, force: true });
    }
  }, 700_000);

  it('trains the calculator tutorial through --backbone ray while a sampler replica is killed: the run goes on, failures counted in that step only', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'ajet-ray-tutorial-'));
    const judge = join(REPO_ROOT, 'test/fixtures/python-backend/repeat-parity-judge.ts');
    const port = address.split(':')[1] as string;
    const run = spawn(
      process.execPath,
      [
        join(REPO_ROOT, 'packages/cli/bin/ajet.js'),
        ...['--conf', 'tutorial/example_calculator_agent/calculator_agent.yaml', '--backbone', 'ray'],
        ...['--set', `backbones.ray.grpc_port=${port}`, '--set', 'trainer_common.total_training_steps=3'],
        ...['--set', 'data.train_batch_size=2', '--set', 'rollout.num_repeat=4', '--set', 'rollout.max_tokens=48'],
        ...['--set', 'trainer_common.val_before_train=false', '--set', 'trainer_common.test_freq=0'],
        ...['--set', 'trainer_common.save_freq=0', '--set', `task_judge.judge_protocol=${judge}->RepeatParityJudge`],
        ...['--seed', '3', '--experiment-dir', join(parent, 'run')],
      ],
      { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    let killed: number | undefined;
    run.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (killed === undefined && stderr.includes('step 1/3')) {
        // A sampler replica of this cluster, killed while step 2 samples.
        const replicas = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' })
          .split('\n')
          .filter((line) => line.includes('ServeReplica:ajet:Sampler'))
          .map((line) => Number(line.trim().split(/\s+/)[0]))
          .filter((pid) => descendants(child?.pid as number).includes(pid));
        killed = replicas[0] ?? -1;
        if (killed > 0) process.kill(killed, 'SIGKILL');
      }
    });
    const code = await new Promise<number | null>((resolve) => run.on('close', resolve));
    try {
      expect(code, `${stderr}\n--- server ---\n${log}`).toBe(0);
      expect(killed).toBeGreaterThan(0);
      const metrics = readMetrics(join(parent, 'run', 'metrics.jsonl'));
      expect(metrics.map((record) => record.step)).toEqual([1, 2, 3]);
      const failed = metrics.map((record) => record.metrics['episodes/failed'] ?? 0);
      // Step 1 ran before the kill and step 3 after Serve routed around it: only step 2's episodes may fail.
      expect(failed[0]).toBe(0);
      expect(failed[2]).toBe(0);
      expect(failed[1]).toBeLessThanOrEqual(8);
    } finally {
      await rm(parent, { recursive: true, force: true });
    }
  }, 300_000);

  it('stops the cluster on SIGTERM and leaves no process behind', async () => {
    const pid = child?.pid as number;
    const family = descendants(pid);
    expect(family.length).toBeGreaterThan(5);
    child?.kill('SIGTERM');
    await exited;
    expect(log).toContain('ajet_backend: Ray Serve stopped');
    const deadline = Date.now() + 30_000;
    while (family.some(alive) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 500));
    expect(family.filter(alive)).toEqual([]);
  }, 120_000);
});
