import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EpisodeRecord, MetricsRecord } from '@ajet/spec';
import { describe, expect, it } from 'vitest';
import { RECORDING_BACKBONE } from './helpers/recording-backbone.ts';
import { REPO_ROOT, runAjet } from './helpers/run-ajet.ts';

const PLUGINS = join(REPO_ROOT, 'test/fixtures/basic/fixture-plugins.ts');
const AJET_BIN = join(REPO_ROOT, 'packages/cli/bin/ajet.js');

function writeConfig(options: { delayMs: number; batchSize?: number }): string {
  const file = join(mkdtempSync(join(tmpdir(), 'ajet-resume-conf-')), 'conf.yaml');
  writeFileSync(
    file,
    `ajet:
  seed: 11
  backbone: ${RECORDING_BACKBONE}
  task_reader:
    type: ${PLUGINS}->CountingReader
    settings:
      count: 12
  rollout:
    user_workflow: ${PLUGINS}->TwoTurnWorkflow
    workflow_settings:
      delay_ms: ${options.delayMs}
    num_repeat: 2
  task_judge:
    judge_protocol: ${PLUGINS}->PatternJudge
  data:
    train_batch_size: ${options.batchSize ?? 2}
  trainer_common:
    total_epochs: 2
    total_training_steps: 8
    save_freq: 1
    max_checkpoints: 2
`,
  );
  return file;
}

function readJsonl<T>(file: string): T[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as T);
}

/** Metrics without wall-clock fields, which differ between runs by nature. */
function comparableMetrics(dir: string) {
  return readJsonl<MetricsRecord>(join(dir, 'metrics.jsonl')).map(({ step, phase, metrics }) => ({
    step,
    phase,
    metrics: Object.fromEntries(Object.entries(metrics).filter(([name]) => !name.startsWith('time/'))),
  }));
}

function taskOrder(dir: string, steps: number): string[][] {
  return Array.from({ length: steps }, (_, index) =>
    readJsonl<EpisodeRecord>(join(dir, 'trajectories', `step-${index + 1}.jsonl`)).map((record) => record.taskTag),
  );
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function startAjet(args: string[]) {
  const child = spawn(process.execPath, [AJET_BIN, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, exited, stderr: () => stderr };
}

describe('checkpoints and exact resume', () => {
  it('a run killed with SIGKILL after a checkpoint and resumed matches the uninterrupted run', async () => {
    const conf = writeConfig({ delayMs: 40 });
    const straight = join(mkdtempSync(join(tmpdir(), 'ajet-straight-')), 'run');
    const whole = await runAjet(['--conf', conf, '--experiment-dir', straight]);
    expect(whole.code, whole.stderr).toBe(0);

    const killed = join(mkdtempSync(join(tmpdir(), 'ajet-killed-')), 'run');
    const first = startAjet(['--conf', conf, '--experiment-dir', killed]);
    const killAfter = 2 + Math.floor(Math.random() * 4);
    await waitFor(() => existsSync(join(killed, 'checkpoints', `step-${killAfter}`, 'state.json')), 60_000);
    first.child.kill('SIGKILL');
    await first.exited;

    const resumed = await runAjet(['--conf', conf, '--experiment-dir', killed, '--resume']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/resuming after step \d+/);

    expect(comparableMetrics(killed)).toEqual(comparableMetrics(straight));
    expect(taskOrder(killed, 8)).toEqual(taskOrder(straight, 8));
    const finalState = (dir: string) =>
      readFileSync(join(dir, 'checkpoints', 'step-8', 'model', 'recording-backbone.json'), 'utf8');
    expect(finalState(killed)).toBe(finalState(straight));
    // max_checkpoints keeps the newest two.
    expect(existsSync(join(killed, 'checkpoints', 'step-6'))).toBe(false);
    expect(existsSync(join(killed, 'checkpoints', 'step-7'))).toBe(true);
  });

  it('refuses to resume when a key that matters changed, naming it', async () => {
    const conf = writeConfig({ delayMs: 0 });
    const dir = join(mkdtempSync(join(tmpdir(), 'ajet-changed-')), 'run');
    expect(
      (await runAjet(['--conf', conf, '--experiment-dir', dir, '--set', 'trainer_common.total_training_steps=2'])).code,
    ).toBe(0);
    const changed = await runAjet([
      '--conf',
      conf,
      '--experiment-dir',
      dir,
      '--resume',
      '--set',
      'rollout.num_repeat=4',
    ]);
    expect(changed.code).toBe(2);
    expect(changed.stderr.split('\n')[0]).toMatch(
      /ajet: error: ajet\.rollout\.num_repeat: changed since the checkpoint was written \(2 then, 4 now\)/,
    );
    // The learning rate changes what the run learns: resuming with another one is another run.
    const lr = await runAjet([
      '--conf',
      conf,
      '--experiment-dir',
      dir,
      '--resume',
      '--set',
      'trainer_common.optim.lr=0.5',
    ]);
    expect(lr.code).toBe(2);
    expect(lr.stderr.split('\n')[0]).toMatch(
      /ajet: error: ajet\.trainer_common\.optim\.lr: changed since the checkpoint was written \(0\.000001 then, 0\.5 now\)/,
    );
  });

  it('a warmed-up, cosine-decayed run resumed after step 3 trains each later step at the uninterrupted run’s lr', async () => {
    const conf = writeConfig({ delayMs: 0 });
    const dir = join(mkdtempSync(join(tmpdir(), 'ajet-lr-')), 'run');
    const args = ['--conf', conf, '--experiment-dir', dir, '--set', 'trainer_common.max_checkpoints=8'];
    for (const set of ['lr_schedule=cosine', 'lr_warmup_steps=2', 'min_lr_ratio=0.1'])
      args.push('--set', `trainer_common.optim.${set}`);
    const lrs = () =>
      readJsonl<MetricsRecord>(join(dir, 'metrics.jsonl')).map(({ step, metrics }) => [step, metrics['train/lr']]);
    const whole = await runAjet(args);
    expect(whole.code, whole.stderr).toBe(0);
    const straight = lrs();
    expect(straight[0]).toEqual([1, 1e-6 / 3]);
    expect(straight[2]).toEqual([3, 1e-6]);
    expect(straight[7]).toEqual([8, 1e-6 * 0.1]);

    // As if killed right after checkpoint step-3 was written.
    for (const step of [4, 5, 6, 7, 8]) rmSync(join(dir, 'checkpoints', `step-${step}`), { recursive: true });
    const resumed = await runAjet([...args, '--resume']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/resuming after step 3/);
    expect(lrs()).toEqual(straight);

    // The lr decays over the run's length: a longer run would be another schedule, so it does not resume.
    const longer = await runAjet([...args, '--resume', '--set', 'trainer_common.total_training_steps=10']);
    expect(longer.code).toBe(2);
    expect(longer.stderr.split('\n')[0]).toMatch(
      /ajet\.trainer_common\.total_training_steps: changed since the checkpoint was written \(8 then, 10 now\)/,
    );
  });

  it('a fresh run in a folder that holds a run is refused; --overwrite starts over and keeps its own checkpoints', async () => {
    const conf = writeConfig({ delayMs: 0 });
    const dir = join(mkdtempSync(join(tmpdir(), 'ajet-used-')), 'run');
    expect((await runAjet(['--conf', conf, '--experiment-dir', dir])).code).toBe(0);
    const stepsOf = () => readJsonl<MetricsRecord>(join(dir, 'metrics.jsonl')).map((record) => record.step);
    const short = ['--set', 'trainer_common.total_training_steps=3'];
    const fresh = await runAjet(['--conf', conf, '--experiment-dir', dir, ...short]);
    expect(fresh.code).toBe(1);
    expect(fresh.stderr.split('\n')[0]).toMatch(
      /ajet: error: The experiment folder .*run holds an earlier run \(.*checkpoints.*\)\. Continue that run with --resume, replace it with --overwrite/,
    );
    expect(stepsOf()).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);

    const again = await runAjet(['--conf', conf, '--experiment-dir', dir, ...short, '--overwrite']);
    expect(again.code, again.stderr).toBe(0);
    expect(stepsOf()).toEqual([1, 2, 3]);
    // The old run's step-7 and step-8 are gone with it, so they did not prune this run's checkpoints away.
    expect(readdirSync(join(dir, 'checkpoints')).sort()).toEqual(['step-2', 'step-3']);
    const both = await runAjet(['--conf', conf, '--experiment-dir', dir, '--overwrite', '--resume']);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--overwrite starts the run again; it cannot go with --resume or --resume-from');
  });

  it('a damaged newest checkpoint: --resume names it and resumes from the newest whole one', async () => {
    const conf = writeConfig({ delayMs: 0 });
    const dir = join(mkdtempSync(join(tmpdir(), 'ajet-damaged-')), 'run');
    const run = await runAjet([
      '--conf',
      conf,
      '--experiment-dir',
      dir,
      '--set',
      'trainer_common.total_training_steps=4',
    ]);
    expect(run.code, run.stderr).toBe(0);
    // A power cut after the rename: the newest checkpoint's weights file is cut short.
    truncateSync(join(dir, 'checkpoints', 'step-4', 'model', 'recording-backbone.json'), 3);
    const resumed = await runAjet([
      '--conf',
      conf,
      '--experiment-dir',
      dir,
      '--resume',
      '--set',
      'trainer_common.total_training_steps=6',
    ]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(
      /checkpoint step-4 is damaged \(model\/recording-backbone\.json has 3 bytes, \d+ were written\): resuming from step-3, the newest whole checkpoint/,
    );
    expect(resumed.stderr).toMatch(/resuming after step 3/);
    const steps = readJsonl<MetricsRecord>(join(dir, 'metrics.jsonl')).map((record) => record.step);
    expect(steps).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('SIGINT during a rollout abandons the step, writes a checkpoint and says how to resume', async () => {
    const conf = writeConfig({ delayMs: 150 });
    const dir = join(mkdtempSync(join(tmpdir(), 'ajet-sigint-')), 'run');
    const run = startAjet(['--conf', conf, '--experiment-dir', dir, '--set', 'trainer_common.save_freq=0']);
    await waitFor(() => existsSync(join(dir, 'trajectories', 'step-1.jsonl')), 60_000);
    run.child.kill('SIGINT');
    const code = await run.exited;
    expect(code).toBe(130);
    expect(run.stderr()).toMatch(
      /Interrupted during step \d+; checkpoint step-\d+ is complete\. Continue with the same command plus --resume\./,
    );
    const resumed = await runAjet([
      '--conf',
      conf,
      '--experiment-dir',
      dir,
      '--resume',
      '--set',
      'trainer_common.save_freq=0',
    ]);
    expect(resumed.code, resumed.stderr).toBe(0);
    const steps = readJsonl<MetricsRecord>(join(dir, 'metrics.jsonl')).map((record) => record.step);
    expect(steps).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('interrupted before any checkpoint, the hint names --overwrite, and that command starts the run again', async () => {
    const conf = writeConfig({ delayMs: 150 });
    const dir = join(mkdtempSync(join(tmpdir(), 'ajet-sigint-none-')), 'run');
    const args = ['--conf', conf, '--experiment-dir', dir, '--set', 'trainer_common.save_freq=0'];
    const run = startAjet([...args, '--set', 'trainer_common.save_on_interrupt=false']);
    await waitFor(() => existsSync(join(dir, 'trajectories', 'step-1.jsonl')), 60_000);
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(130);
    expect(run.stderr()).toMatch(
      /no checkpoint was written\. Start again with the same command plus --overwrite \(this folder now holds the interrupted run\)\./,
    );
    const again = await runAjet([...args, '--overwrite']);
    expect(again.code, again.stderr).toBe(0);
    const steps = readJsonl<MetricsRecord>(join(dir, 'metrics.jsonl')).map((record) => record.step);
    expect(steps).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('an unwritable experiment folder is a clear error before any rollout', async () => {
    const conf = writeConfig({ delayMs: 0 });
    const parentIsAFile = join(mkdtempSync(join(tmpdir(), 'ajet-ro-')), 'file');
    writeFileSync(parentIsAFile, 'not a folder');
    const run = await runAjet(['--conf', conf, '--experiment-dir', join(parentIsAFile, 'run')]);
    expect(run.code).toBe(1);
    expect(run.stderr.split('\n')[0]).toMatch(
      /ajet: error: Cannot write the experiment folder .*Pick a writable place/,
    );
  });
});
