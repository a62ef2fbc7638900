import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MetricsRecord } from '@ajet/spec';
import { describe, expect, it } from 'vitest';
import { runAjet } from './helpers/run-ajet.ts';

const CONF = 'tutorial/example_calculator_agent/calculator_agent.yaml';

describe('validation sets (greedy and sampled) on the calculator tutorial with the embedded policy', () => {
  it('writes greedy and sampled metrics per validation set to metrics.jsonl and ends with before → after lines', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'ajet-validation-sets-')), 'run');
    const sets = [
      'trainer_common.total_training_steps=1',
      'data.train_batch_size=2',
      'rollout.num_repeat=2',
      'debug.debug_first_n_tasks=3',
      'trainer_common.val_before_train=true',
      'trainer_common.test_freq=1',
      'trainer_common.val_pass_n=2',
    ];
    const run = await runAjet(
      ['--conf', CONF, '--backbone', 'debug', '--experiment-dir', dir, ...sets.flatMap((set) => ['--set', set])],
      {
        timeoutMs: 120_000,
      },
    );
    expect(run.code, run.stderr).toBe(0);
    const validations = readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as MetricsRecord)
      .filter((record) => record.phase === 'val');
    expect(validations.map((record) => record.step)).toEqual([0, 1]);
    for (const { metrics } of validations) {
      for (const prefix of ['val/', 'val/heldout_csv/']) {
        expect(metrics[`${prefix}n`]).toBe(3);
        expect(metrics[`${prefix}greedy/pass@1`]).toBeGreaterThanOrEqual(0);
        expect(metrics[`${prefix}sampled/pass@1`]).toBeGreaterThanOrEqual(0);
        expect(metrics[`${prefix}sampled/pass@k`]).toBeGreaterThanOrEqual(metrics[`${prefix}sampled/pass@1`] ?? 1);
        expect(metrics[`${prefix}sampled/k`]).toBe(2);
        expect(metrics[`${prefix}sampled/temperature`]).toBe(0.9);
      }
    }
    for (const file of ['val-step-0', 'val-heldout_csv-step-0', 'val-step-1', 'val-heldout_csv-step-1'])
      expect(existsSync(join(dir, 'trajectories', `${file}.jsonl`)), file).toBe(true);
    // The held-out set's episodes are its own questions (the CSV's), not the tutorial's.
    const heldout = readFileSync(join(dir, 'trajectories', 'val-heldout_csv-step-0.jsonl'), 'utf8');
    expect(heldout).toContain("What's the result of 19583 plus 42967?");
    const number = '\\d\\.\\d{3}';
    for (const set of ['validation', 'heldout_csv']) {
      expect(run.stderr).toMatch(
        new RegExp(
          `ajet: ${set} before → after \\(step 0 → 1\\): greedy pass@1 ${number} → ${number}, sampled \\(T=0\\.9\\) pass@1 ${number} → ${number}, pass@2 ${number} → ${number}\\n`,
        ),
      );
    }
  });

  it('--mode eval writes eval.json with greedy and sampled results for each set', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'ajet-validation-sets-')), 'eval');
    const run = await runAjet(
      ['--conf', CONF, '--backbone', 'debug', '--mode', 'eval', '--experiment-dir', dir].concat([
        '--set',
        'debug.debug_first_n_tasks=2',
      ]),
      { timeoutMs: 120_000 },
    );
    expect(run.code, run.stderr).toBe(0);
    const written = JSON.parse(readFileSync(join(dir, 'eval.json'), 'utf8')) as Record<string, unknown>;
    const set = {
      n: 2,
      k: 1,
      temperature: 0.9,
      greedy: { 'pass@1': expect.any(Number) },
      'pass@1': expect.any(Number),
    };
    expect(written).toMatchObject({ ...set, sets: { heldout_csv: set } });
    expect(JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}')).toEqual(written);
  });
});
