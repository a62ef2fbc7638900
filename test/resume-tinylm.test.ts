import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EpisodeRecord, MetricsRecord } from '@ajet/spec';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, runAjet } from './helpers/run-ajet.ts';

const CONF = 'tutorial/example_calculator_agent/calculator_agent.yaml';
const MODEL = join(mkdtempSync(join(tmpdir(), 'ajet-resume-model-')), 'tinylm');
cpSync(join(REPO_ROOT, 'packages/tinylm/weights/tinylm-calculator'), MODEL, { recursive: true });
const STEPS = 6;
const ARGS = [
  '--conf',
  CONF,
  '--backbone',
  'debug',
  '--seed',
  '4',
  '--set',
  `model.path=${MODEL}`,
  '--set',
  `trainer_common.total_training_steps=${STEPS}`,
  '--set',
  'data.train_batch_size=2',
  '--set',
  'rollout.num_repeat=4',
  '--set',
  'trainer_common.save_freq=1',
  '--set',
  'trainer_common.val_before_train=false',
  '--set',
  'trainer_common.test_freq=0',
];

function readJsonl<T>(file: string): T[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as T);
}

describe('exact resume of the calculator tutorial on the embedded policy', () => {
  it('killed with SIGKILL after a checkpoint and resumed, it ends with bit-identical weights, metrics and task order', async () => {
    const straight = join(mkdtempSync(join(tmpdir(), 'ajet-tinylm-straight-')), 'run');
    const whole = await runAjet([...ARGS, '--experiment-dir', straight], { timeoutMs: 600_000 });
    expect(whole.code, whole.stderr).toBe(0);

    const killed = join(mkdtempSync(join(tmpdir(), 'ajet-tinylm-killed-')), 'run');
    const child = spawn(
      process.execPath,
      [join(REPO_ROOT, 'packages/cli/bin/ajet.js'), ...ARGS, '--experiment-dir', killed],
      { cwd: REPO_ROOT, stdio: 'ignore' },
    );
    const exited = new Promise((resolve) => child.on('close', resolve));
    const killAfter = 1 + Math.floor(Math.random() * 3);
    const deadline = Date.now() + 300_000;
    while (!existsSync(join(killed, 'checkpoints', `step-${killAfter}`, 'state.json')) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    child.kill('SIGKILL');
    await exited;
    const resumed = await runAjet([...ARGS, '--experiment-dir', killed, '--resume'], { timeoutMs: 600_000 });
    expect(resumed.code, resumed.stderr).toBe(0);

    const params = (dir: string) => readFileSync(join(dir, 'checkpoints', `step-${STEPS}`, 'model', 'params.bin'));
    expect(params(killed).equals(params(straight))).toBe(true);
    const metrics = (dir: string) =>
      readJsonl<MetricsRecord>(join(dir, 'metrics.jsonl')).map(({ step, phase, metrics: values }) => ({
        step,
        phase,
        values: Object.fromEntries(Object.entries(values).filter(([name]) => !name.startsWith('time/'))),
      }));
    expect(metrics(killed)).toEqual(metrics(straight));
    const tasks = (dir: string) =>
      Array.from({ length: STEPS }, (_, index) =>
        readJsonl<EpisodeRecord>(join(dir, 'trajectories', `step-${index + 1}.jsonl`)).map((record) => record.taskTag),
      );
    expect(tasks(killed)).toEqual(tasks(straight));
  }, 1_200_000);
});
