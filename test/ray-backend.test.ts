import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GrpcBackbone } from '@ajet/backbone-grpc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineBackboneConformance } from './conformance/backbone-conformance.ts';
import { BACKEND_PYTHON, pythonBackendMissing } from './helpers/python-backend.ts';
import { REPO_ROOT } from './helpers/run-ajet.ts';

// The backend as a Ray Serve application (backend/ajet_backend/ray_serve), on one local Ray cluster shared by
// the whole file (it takes about a minute to come up on 2 cores): 2 sampler replicas, a learner with 2 gloo
// workers, Serve's gRPC proxy serving ajet.v1.Backend. THE conformance suite runs through the proxy with grpc-js,
// then backend/tests/test_ray_cluster.py joins the cluster (data-parallel gradient, weight sync, a killed
// replica), then the cluster stops and no process of it is left.
const rayMissing =
  pythonBackendMissing ??
  (spawnSync(BACKEND_PYTHON, ['-c', 'import importlib.util, sys; sys.exit(importlib.util.find_spec("ray") is None)'])
    .status === 0
    ? undefined
    : 'ray is not installed in backend/.venv: rerun `bash backend/scripts/setup_venv.sh`');
if (rayMissing) console.warn(`ray-backend.test.ts skipped: ${rayMissing}`);

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
    const args = ['-u', '-m', 'ajet_backend.ray_serve', 'serve', '--model', 'builtin:tinylm-calculator'];
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

  it('joins the cluster for the data-parallel gradient, weight sync and killed-replica checks (pytest)', () => {
    const result = spawnSync(
      BACKEND_PYTHON,
      ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', 'tests/test_ray_cluster.py'],
      {
        cwd: join(REPO_ROOT, 'backend'),
        env: {
          ...process.env,
          AJET_RAY_ADDRESS: rayAddress,
          AJET_RAY_GRPC_PORT: address.split(':')[1],
          // The local cluster enabled Ray's token authentication and saved its token in ~/.ray/auth_token.
          RAY_AUTH_MODE: 'token',
          RAY_USAGE_STATS_ENABLED: '0',
        },
        encoding: 'utf8',
        timeout: 280_000,
      },
    );
    expect(result.status, `${result.stdout}\n${result.stderr}\n--- server ---\n${log}`).toBe(0);
    expect(result.stdout).toMatch(/3 passed/);
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
