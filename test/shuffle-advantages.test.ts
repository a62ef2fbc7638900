import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAjet } from './helpers/run-ajet.ts';

describe('algorithm.shuffle_advantages on the calculator tutorial (the embedded policy)', () => {
  it('says the run is a control, and still trains', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'ajet-shuffle-')), 'run');
    const run = await runAjet(
      [
        ...['--conf', 'tutorial/example_calculator_agent/calculator_agent.yaml', '--backbone', 'debug'],
        ...['--experiment-dir', dir],
        ...[
          'algorithm.shuffle_advantages=true',
          'trainer_common.total_training_steps=2',
          'data.train_batch_size=4',
          'rollout.num_repeat=4',
          'trainer_common.val_before_train=false',
          'trainer_common.test_freq=0',
        ].flatMap((setting) => ['--set', setting]),
      ],
      { timeoutMs: 300_000 },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout + run.stderr).toContain(
      "ajet: warning: algorithm.shuffle_advantages: a control run. Each group's advantages are shuffled among its episodes",
    );
    // Both steps trained: each step's line reports the update's loss.
    expect(run.stdout + run.stderr).toMatch(/step 2\/2 \|.*\| loss -?\d/);
  }, 300_000);
});
