import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serveBackbone } from '@ajet/backbone-grpc';
import type { MetricsRecord, OptimStepRequest, OptimStepResponse } from '@ajet/spec';
import { RecordingBackbone } from '@ajet/spec/test';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, runAjet } from './helpers/run-ajet.ts';

const PLUGINS = join(REPO_ROOT, 'test/fixtures/basic/fixture-plugins.ts');

/** A backend whose every update has a NaN gradient norm: it applies nothing (the OptimStepResponse contract). */
class NonFiniteBackbone extends RecordingBackbone {
  override async optimStep(request: OptimStepRequest): Promise<OptimStepResponse> {
    this.optimStepCalls.push(request);
    return { policyVersion: this.policyVersion, gradNorm: Number.NaN };
  }
}

describe('updates with a non-finite gradient norm', () => {
  it('are counted each step, warned about, and stop the run after max_nonfinite_steps_in_row in a row', async () => {
    const backbone = new NonFiniteBackbone();
    const server = await serveBackbone({ backbone, host: '127.0.0.1', port: 0 });
    try {
      const folder = mkdtempSync(join(tmpdir(), 'ajet-nonfinite-'));
      const conf = join(folder, 'conf.yaml');
      writeFileSync(
        conf,
        `ajet:
  backbone: grpc
  backbones:
    grpc:
      address: ${server.address}
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
    train_batch_size: 1
    # In order: PatternJudge gives even tasks' groups differing rewards (trained), odd tasks' none (nothing trains).
    shuffle: false
  trainer_common:
    max_nonfinite_steps_in_row: 2
    total_training_steps: 5
`,
      );
      const experimentDir = join(folder, 'run');
      const run = await runAjet(['--conf', conf, '--experiment-dir', experimentDir]);
      expect(run.code, run.stderr).toBe(1);
      expect(run.stdout + run.stderr).toMatch(/step 1: 1 of 1 updates skipped \(non-finite loss or gradient norm/);
      // Step 2 trained nothing: it neither resets nor extends the count.
      expect(run.stderr).toMatch(
        /Step 3: 2 trained steps in a row had updates with a non-finite loss or gradient norm/,
      );
      const records = readFileSync(join(experimentDir, 'metrics.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as MetricsRecord)
        .filter((record) => record.phase === 'train');
      expect(records.map((record) => record.metrics['train/skipped_nonfinite_updates'])).toEqual([1, undefined, 1]);
      expect(records.every((record) => record.metrics['train/grad_norm'] === undefined)).toBe(true);
      expect(backbone.optimStepCalls).toHaveLength(2);
    } finally {
      await server.shutdown({ graceMs: 1000 });
    }
  });
});
