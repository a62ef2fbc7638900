import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './helpers/run-ajet.ts';

// pretrain_tinylm.ts --engine ts: tinylm's own kernels, the batch split over worker threads.
const CSV = join(REPO_ROOT, '../shared/data/calculator/calculator_train.csv');

function pretrain(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/pretrain_tinylm.ts', ...args], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 240_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe.skipIf(!existsSync(CSV))('pretrain_tinylm.ts --engine ts', () => {
  it('trains on 2 worker threads for the steps asked and writes that step’s weights and the curve', async () => {
    const out = mkdtempSync(join(tmpdir(), 'ajet-pretrain-ts-'));
    const run = await pretrain(
      ['--engine', 'ts', '--workers', '2', '--batch-size', '4', '--lr', '0.01'].concat([
        '--steps',
        '6',
        '--eval-every-steps',
        '3',
        '--out',
        out,
      ]),
    );
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
});
