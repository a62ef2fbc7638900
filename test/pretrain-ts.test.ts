import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, runNode } from './helpers/run-ajet.ts';

// pretrain_tinylm.ts --engine ts: tinylm's own kernels, the batch split over worker threads.
const CSV = join(REPO_ROOT, '../shared/data/calculator/calculator_train.csv');

/** pretrain_tinylm.ts with `args`; its stdout and stderr together. */
async function pretrain(args: string[]): Promise<{ code: number | null; output: string }> {
  const run = await runNode(['--import', 'tsx', 'scripts/pretrain_tinylm.ts', ...args], { timeoutMs: 240_000 });
  return { code: run.code, output: run.stdout + run.stderr };
}

describe.skipIf(!existsSync(CSV))('pretrain_tinylm.ts --engine ts', () => {
  it('trains on 2 worker threads for the steps asked and writes that step’s weights and the curve', async () => {
    const out = mkdtempSync(join(tmpdir(), 'ajet-pretrain-ts-'));
    const steps = ['--steps', '6', '--eval-every-steps', '3'];
    const run = await pretrain([
      '--engine',
      'ts',
      '--workers',
      '2',
      '--batch-size',
      '4',
      '--lr',
      '0.01',
      ...steps,
      '--out',
      out,
    ]);
    expect(run.code, run.output).toBe(0);
    const curve = readFileSync(join(out, 'pretrain-curve.csv'), 'utf8').trim().split('\n');
    expect(curve.slice(1).map((line) => Number(line.split(',')[1]))).toEqual([0, 3, 6]);
    const losses = curve.slice(2).map((line) => Number(line.split(',')[2]));
    expect(losses.every((loss) => loss > 0)).toBe(true);
    const model = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8')) as { notes: string };
    expect(model.notes).toMatch(/--engine ts seed 1: step 6,/);
  }, 300_000);

  it('refuses --label-smoothing, which only the PyTorch engine has, with a one-line error', async () => {
    const run = await pretrain(['--engine', 'ts', '--steps', '1', '--label-smoothing', '0.03']);
    expect(run.code).toBe(2);
    expect(run.output.trim()).toBe(
      "pretrain_tinylm.ts: --label-smoothing 0.03: only --engine torch has it (tinylm's losses do not)",
    );
  });

  it('refuses a --csv-like-repeats share outside 0 to 1 with a one-line error', async () => {
    const run = await pretrain(['--engine', 'ts', '--steps', '1', '--csv-like', '10', '--csv-like-repeats', '1.5']);
    expect(run.code).toBe(2);
    expect(run.output.trim()).toBe(
      'pretrain_tinylm.ts: --csv-like-repeats 1.5: expected a share between 0 and 1, e.g. 0.3',
    );
  });

  it('writes --repeated-numbers into model.json, keeps it on --continue, and refuses a mode it does not know', async () => {
    const out = mkdtempSync(join(tmpdir(), 'ajet-pretrain-repeats-'));
    const tiny = ['--engine', 'ts', '--workers', '1', '--batch-size', '2', '--steps', '1', '--out', out];
    const tokenizer = () =>
      (JSON.parse(readFileSync(join(out, 'model.json'), 'utf8')) as { tokenizer: { repeatedNumbers?: string } })
        .tokenizer;
    const first = await pretrain([...tiny, '--repeated-numbers', 'define']);
    expect(first.code, first.output).toBe(0);
    expect(tokenizer().repeatedNumbers).toBe('define');
    const again = await pretrain([...tiny, '--continue']);
    expect(again.code, again.output).toBe(0);
    expect(tokenizer().repeatedNumbers).toBe('define');
    const back = await pretrain([...tiny, '--continue', '--repeated-numbers', 'copy']);
    expect(back.code, back.output).toBe(0);
    expect(tokenizer().repeatedNumbers).toBeUndefined();
    const bad = await pretrain(['--engine', 'ts', '--steps', '1', '--repeated-numbers', 'twice']);
    expect(bad.code).toBe(2);
    expect(bad.output.trim()).toBe('pretrain_tinylm.ts: --repeated-numbers twice: expected copy or define');
  }, 600_000);
});
