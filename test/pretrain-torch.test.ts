import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRandom } from '@ajet/core';
import type { TrainingSample } from '@ajet/spec';
import { createTinyLm, type TinyLmBackbone } from '@ajet/tinylm';
import { initializeParameters } from '@ajet/tinylm/internal';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demonstrationSample, readCalculatorJsonl } from '../scripts/internal/calculator-demonstrations.ts';
import { TORCH_PYTHON, TorchTrainer } from '../scripts/internal/torch-trainer.ts';
import { REPO_ROOT } from './helpers/run-ajet.ts';

// pretrain_tinylm.ts --engine torch trains tinylm's weights with PyTorch; the TypeScript model must read them as
// the same function. Needs the backend's virtual environment (created by scripts/test.sh before vitest).
const missing = existsSync(TORCH_PYTHON) ? undefined : `${TORCH_PYTHON} does not exist`;
if (missing) console.warn(`pretrain-torch.test.ts skipped: ${missing}`);

async function tokenMeanLoss(backbone: TinyLmBackbone, samples: TrainingSample[]): Promise<number> {
  const { loss } = await backbone.forwardBackward({
    samples,
    loss: { type: 'cross_entropy', aggregation: 'token-mean' },
  });
  backbone.grads.fill(0);
  return loss;
}

describe.skipIf(missing !== undefined)('the PyTorch pretraining engine', () => {
  let backbone: TinyLmBackbone;
  let samples: TrainingSample[];
  let trainer: TorchTrainer;
  beforeAll(async () => {
    backbone = await createTinyLm({ modelPath: 'builtin:tinylm-calculator' });
    // Random weights: the shipped ones already fit these rows, and a loss near zero would hide a mismatch.
    backbone.setParams(initializeParameters(backbone.model.config, createRandom(3)));
    const rows = readCalculatorJsonl(join(REPO_ROOT, 'tutorial/example_calculator_agent/data/demonstrations.jsonl'));
    samples = await Promise.all(rows.slice(0, 24).map((row) => demonstrationSample(backbone, row)));
    trainer = await startTrainer(backbone.params, 1);
  });
  afterAll(() => trainer?.close());

  /** A PyTorch trainer on the 24 rows from `params`, batches of 8 at lr 0.003, one thread unless `threads`. */
  const startTrainer = (params: Float32Array, seed: number, labelSmoothing = 0, threads = 1, bucketBatches = 0) =>
    TorchTrainer.start({
      config: backbone.model.config,
      params,
      samples,
      workDir: mkdtempSync(join(tmpdir(), 'ajet-torch-')),
      seed,
      batchSize: 8,
      lr: 0.003,
      threads,
      labelSmoothing,
      bucketBatches,
    });

  it('computes the same loss as tinylm on the same weights, before and after training', async () => {
    const all = samples.map((_, index) => index);
    const before = await tokenMeanLoss(backbone, samples);
    expect(before).toBeGreaterThan(4);
    expect(await trainer.lossOf(all)).toBeCloseTo(before, 4);

    // By steps, not by the clock: a loaded machine trained too few steps in 3 s to move the loss by 1.
    const report = await trainer.trainSteps(60, 60);
    expect(report.step).toBe(60);
    backbone.setParams(trainer.params());
    const after = await tokenMeanLoss(backbone, samples);
    expect(after).toBeLessThan(before - 1);
    expect(await trainer.lossOf(all)).toBeCloseTo(after, 4);
  });

  it('stops a step-scheduled run at the step asked, at the same weights every time for a given thread count', async () => {
    const start = (threads: number) =>
      startTrainer(initializeParameters(backbone.model.config, createRandom(4)), 2, 0, threads);
    const runs: Float32Array[] = [];
    // Each thread count twice: the token embedding's backward once summed in a thread-dependent order, so two
    // 2-thread runs (as --workers 2 trains) gave different weights.
    for (const threads of [1, 1, 2, 2]) {
      const steps = await start(threads);
      try {
        // In two intervals, as pretrain_tinylm.ts --steps evaluates between them.
        expect((await steps.trainSteps(7, 40)).step).toBe(7);
        const report = await steps.trainSteps(12, 40);
        expect(report.step).toBe(12);
        // The cosine schedule is at 12/40 of its way down, after 12 of 100 warm-up steps.
        expect(report.lr).toBeCloseTo(0.003 * (12 / 100) * (0.1 + 0.45 * (1 + Math.cos((Math.PI * 11) / 40))), 8);
        runs.push(steps.params());
      } finally {
        await steps.close();
      }
    }
    const [oneThread, oneAgain, twoThreads, twoAgain] = runs as [
      Float32Array,
      Float32Array,
      Float32Array,
      Float32Array,
    ];
    expect(oneAgain).toEqual(oneThread);
    expect(twoAgain).toEqual(twoThreads);
    // One and two threads: the same bits on some CPUs, not on others (on an AVX-512 Xeon PyTorch's kernels split
    // their sums by thread, about 1e-7 of a weight apart after 12 steps), so only close.
    let largest = 0;
    let difference = 0;
    for (const [index, value] of oneThread.entries()) {
      largest = Math.max(largest, Math.abs(value));
      difference = Math.max(difference, Math.abs(value - (twoThreads[index] as number)));
    }
    expect(difference).toBeLessThan(1e-5 * largest);
    expect(oneThread).not.toEqual(initializeParameters(backbone.model.config, createRandom(4)));
    // Four PyTorch processes start and train: past vitest's 60 s default on a loaded 2-core machine.
  }, 240_000);

  it('keeps probability off the target tokens with --label-smoothing', async () => {
    // With smoothing E the best a token can do is p(target) = 1 - E + E/vocab: cross-entropy at least 0.69 at
    // E = 0.5, while the unsmoothed run, from the same weights and batches, fits these 24 rows well below that
    // (0.32 after 150 steps).
    const all = samples.map((_, index) => index);
    const losses: number[] = [];
    for (const labelSmoothing of [0, 0.5]) {
      const trainer = await startTrainer(
        initializeParameters(backbone.model.config, createRandom(5)),
        3,
        labelSmoothing,
      );
      try {
        await trainer.trainSteps(150, 150);
        losses.push(await trainer.lossOf(all));
      } finally {
        await trainer.close();
      }
    }
    const floor = -Math.log(0.5 + 0.5 / backbone.model.config.vocabSize);
    expect(losses[0]).toBeLessThan(floor * 0.75);
    expect(losses[1]).toBeGreaterThan(floor * 0.95);
  }, 180_000);

  it('with --bucket-batches trains batches of similar length: less padding, the same weights run to run, and it learns', async () => {
    const all = samples.map((_, index) => index);
    const runs: { params: Float32Array; padding: number; loss: number; before: number }[] = [];
    for (const bucketBatches of [0, 3, 3]) {
      const trainer = await startTrainer(
        initializeParameters(backbone.model.config, createRandom(6)),
        4,
        0,
        1,
        bucketBatches,
      );
      try {
        const before = await trainer.lossOf(all);
        const report = await trainer.trainSteps(60, 60);
        expect(report.sequence_tokens).toBe(
          // 60 batches of 8 from 24 rows: every row 20 times, in any order.
          20 * samples.reduce((sum, sample) => sum + sample.tokenIds.length, 0),
        );
        runs.push({
          params: trainer.params(),
          padding: 1 - report.sequence_tokens / report.positions,
          loss: await trainer.lossOf(all),
          before,
        });
      } finally {
        await trainer.close();
      }
    }
    const [plain, bucketed, again] = runs as [(typeof runs)[0], (typeof runs)[0], (typeof runs)[0]];
    expect(bucketed.padding).toBeLessThan(plain.padding / 2);
    expect(again.params).toEqual(bucketed.params);
    expect(bucketed.params).not.toEqual(plain.params);
    // Both learn the rows about as well (the first test: a loss down by more than 1 in 60 steps).
    expect(bucketed.loss).toBeLessThan(bucketed.before - 1);
    expect(Math.abs(bucketed.loss - plain.loss)).toBeLessThan(0.5);
  }, 180_000);
});
