import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MetricsRecord } from '@ajet/spec';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, runAjet } from './helpers/run-ajet.ts';

const DEMONSTRATIONS = join(REPO_ROOT, 'tutorial/example_calculator_agent/data/csv_demonstrations.jsonl');
const args = (experimentDir: string, file: string) => [
  ...['--conf', 'tutorial/example_calculator_agent/calculator_agent.yaml', '--backbone', 'debug'],
  ...['--experiment-dir', experimentDir],
  ...[
    `algorithm.ptx.file_path=${file}`,
    'trainer_common.total_training_steps=2',
    'data.train_batch_size=2',
    'rollout.num_repeat=4',
    'trainer_common.val_before_train=false',
    'trainer_common.test_freq=0',
  ].flatMap((setting) => ['--set', setting]),
];

describe('algorithm.ptx on the calculator tutorial (the embedded policy)', () => {
  it('says how many demonstrations it mixes in, warns of those too long to train, and logs their loss each step', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'ajet-ptx-'));
    const dir = join(folder, 'run');
    // The shipped demonstrations, and one whose question alone is longer than the model's 384 tokens.
    const long = {
      messages: [
        { role: 'user', content: '1 + '.repeat(400) },
        { role: 'assistant', content: '400' },
      ],
    };
    const file = join(folder, 'demonstrations.jsonl');
    writeFileSync(file, `${readFileSync(DEMONSTRATIONS, 'utf8')}${JSON.stringify(long)}\n`);
    const run = await runAjet(args(dir, file), { timeoutMs: 300_000 });
    expect(run.code, run.stderr).toBe(0);
    const printed = run.stdout + run.stderr;
    // batch_size of them an update, drawn from all that fit (it once printed the whole file's count as if each update taught it all).
    expect(printed).toContain('each update also trains 8 of 1086 demonstrations with cross-entropy (algorithm.ptx)');
    expect(printed).toContain("algorithm.ptx: 1 of 1087 demonstrations are longer than the model's context");
    const train = readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as MetricsRecord)
      .filter((record) => record.phase === 'train' && record.metrics['train/loss'] !== undefined);
    expect(train.length).toBeGreaterThan(0);
    for (const record of train) {
      const loss = record.metrics['train/ptx_loss'];
      // Cross-entropy per trained token of demonstrations the warm start was taught: small, never zero.
      expect(loss).toBeGreaterThan(0);
      expect(loss).toBeLessThan(1);
    }
  }, 300_000);

  it('stops before training on a bad demonstrations line, naming the file and line', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'ajet-ptx-bad-'));
    const file = join(folder, 'demonstrations.jsonl');
    writeFileSync(file, `${readFileSync(DEMONSTRATIONS, 'utf8').split('\n')[0]}\n{"messages": [{"role": "user"}]}\n`);
    const run = await runAjet(args(join(folder, 'run'), file), { timeoutMs: 120_000 });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain(`${file} row 2: messages.0.content:`);
  }, 120_000);
});
