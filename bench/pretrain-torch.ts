// The PyTorch pretraining engine (pretrain_tinylm.ts --engine torch) on pretraining-shaped data: 2,000 questions in
// the calculator CSV's styles and the tutorial's 2,000 demonstrations, batches of 32, from deep-long's weights.
// Batches in drawing order against --bucket-batches 16 (16 batches' samples sorted by length at a time), on one
// PyTorch thread and on two; the trainers take turns, a few dozen steps each, so all see the same machine load.
// Prints steps a second, the share of each batch that was padding, and the speedup over drawing order.
//   pnpm bench pretrain-torch
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTinyLm } from '@ajet/tinylm';
import { demonstrationSample, readCalculatorJsonl } from '../scripts/internal/calculator-demonstrations.ts';
import { generateCsvLikeQuestions } from '../scripts/internal/calculator-questions.ts';
import { TorchTrainer, type TrainReport } from '../scripts/internal/torch-trainer.ts';

const ROOT = new URL('..', import.meta.url).pathname;
const ROUNDS = 4;
const STEPS = 40;
const SETTINGS = [
  { name: 'drawing order, 1 thread', bucketBatches: 0, threads: 1 },
  { name: '--bucket-batches 16, 1 thread', bucketBatches: 16, threads: 1 },
  { name: '--bucket-batches 16, 2 threads', bucketBatches: 16, threads: 2 },
];

const backbone = await createTinyLm({ modelPath: 'builtin:tinylm-calculator-deep-long' });
const rows = [
  ...generateCsvLikeQuestions({ seed: 11, count: 2000 }),
  ...readCalculatorJsonl(join(ROOT, 'tutorial/example_calculator_agent/data/demonstrations.jsonl')),
];
const samples = (await Promise.all(rows.map((row) => demonstrationSample(backbone, row, { signedSums: true })))).filter(
  (sample) => sample.tokenIds.length <= backbone.model.config.maxSeqLen,
);
const trainers = await Promise.all(
  SETTINGS.map(({ bucketBatches, threads }) =>
    TorchTrainer.start({
      config: backbone.model.config,
      params: backbone.params,
      samples,
      workDir: mkdtempSync(join(tmpdir(), 'ajet-bench-torch-')),
      seed: 1,
      batchSize: 32,
      lr: 5e-4,
      threads,
      labelSmoothing: 0.03,
      bucketBatches,
    }),
  ),
);
const rates: number[][] = SETTINGS.map(() => []);
const reports: TrainReport[][] = SETTINGS.map(() => []);
try {
  for (let round = 0; round < ROUNDS; round++) {
    for (const [index, trainer] of trainers.entries()) {
      const started = performance.now();
      const report = await trainer.trainSteps((round + 1) * STEPS, ROUNDS * STEPS);
      rates[index]?.push(STEPS / ((performance.now() - started) / 1000));
      reports[index]?.push(report);
    }
  }
} finally {
  await Promise.all(trainers.map((trainer) => trainer.close()));
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1] as number;
const base = median(rates[0] as number[]);
const lengths = samples.map((sample) => sample.tokenIds.length).sort((a, b) => a - b);
console.log(
  `${samples.length} sequences (median ${lengths[lengths.length >> 1]} tokens, longest ${lengths.at(-1)}); ` +
    `${backbone.model.config.dModel}-wide, ${backbone.model.config.nLayers} layers; ${ROUNDS} turns of ${STEPS} steps each, median`,
);
for (const [index, setting] of SETTINGS.entries()) {
  const rate = median(rates[index] as number[]);
  const all = reports[index] as TrainReport[];
  const positions = all.reduce((sum, report) => sum + report.positions, 0);
  const tokens = all.reduce((sum, report) => sum + report.sequence_tokens, 0);
  console.log(
    `${setting.name.padEnd(32)} ${rate.toFixed(2).padStart(6)} steps/s  padding ${((1 - tokens / positions) * 100).toFixed(1).padStart(5)}%  ` +
      `${(rate / base).toFixed(2)}x drawing order  loss ${(all.at(-1)?.loss ?? Number.NaN).toFixed(4)}`,
  );
}
