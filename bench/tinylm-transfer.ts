// Does GRPO on some unseen questions lift other unseen questions? The distinct held-out CSV rows are split in two
// halves (alternating, in CSV order). The tutorial's GRPO trains on half A alone, and both halves are scored
// before and after: greedy pass@1 and sampled accuracy at the training temperature (2 samples a row). Extra
// key=value arguments override the config (e.g. trainer_common.optim.lr=1e-4). Needs ../shared.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MetricsRecord } from '@ajet/spec';
import { builtins } from '../packages/cli/src/builtins.ts';
import { loadConfig, runJob } from '../packages/core/src/index.ts';
import {
  type CalculatorRow,
  distinctRows,
  HOLDOUT,
  readCalculatorCsv,
  scoreCalculatorAgent,
  splitRows,
} from '../scripts/internal/calculator-demonstrations.ts';

const CSV = new URL('../../shared/data/calculator/calculator_train.csv', import.meta.url).pathname;
const CONF = 'tutorial/example_calculator_agent/calculator_agent.yaml';
const STEPS = 18;

const { validation } = splitRows(readCalculatorCsv(CSV), HOLDOUT);
const distinct = distinctRows(validation);
const halfA = distinct.filter((_, index) => index % 2 === 0);
const halfB = distinct.filter((_, index) => index % 2 === 1);
const folder = mkdtempSync(join(tmpdir(), 'ajet-bench-transfer-'));
const trainFile = join(folder, 'half-a.jsonl');
writeFileSync(trainFile, halfA.map((row) => `${JSON.stringify(row)}\n`).join(''));
const loaded = loadConfig({
  file: CONF,
  sets: [
    `task_reader.dataset_file.training.file_path=${trainFile}`,
    `task_reader.dataset_file.validation.file_path=${trainFile}`,
    `trainer_common.total_training_steps=${STEPS}`,
    'trainer_common.total_epochs=10',
    'trainer_common.val_before_train=false',
    'trainer_common.test_freq=0',
    ...process.argv.slice(2).filter((argument) => argument.includes('=')),
  ],
});
const temperature = loaded.config.rollout.temperature;

const score = (modelPath: string, rows: readonly CalculatorRow[]) =>
  scoreCalculatorAgent({ modelPath, rows, temperature, sampleSeeds: [1, 2] });

const model = loaded.config.model.path;
const before = { a: await score(model, halfA), b: await score(model, halfB) };
const experimentDir = join(folder, 'run');
const result = await runJob({ loaded, mode: 'train', experimentDir, builtins });
const steps = result.mode === 'train' ? result.summary.steps : 0;
const trained = join(experimentDir, 'checkpoints', `step-${steps}`);
const after = { a: await score(trained, halfA), b: await score(trained, halfB) };
const rewards = readFileSync(join(experimentDir, 'metrics.jsonl'), 'utf8')
  .trim()
  .split('\n')
  .map((line) => JSON.parse(line) as MetricsRecord)
  .filter((record) => record.phase === 'train')
  .map((record) => (record.metrics['reward/mean'] ?? Number.NaN).toFixed(2));

const percent = (value: number) => `${(value * 100).toFixed(1)}%`.padStart(7);
const change = (from: number, to: number) => `${((to - from) * 100).toFixed(1)} pts`.padStart(10);
console.log(`${distinct.length} distinct held-out rows: half A ${halfA.length} (trained on), half B ${halfB.length}`);
console.log(`GRPO on half A, ${steps} steps, lr ${loaded.config.trainerCommon.optim.lr}: rewards ${rewards.join(' ')}`);
console.log('                        before    after     change');
for (const [half, name] of [
  ['a', 'A (trained on)'],
  ['b', 'B (unseen)    '],
] as const) {
  for (const kind of ['greedy', 'sampled'] as const) {
    const label = `${name} ${kind === 'greedy' ? 'greedy ' : 'sampled'}`;
    console.log(
      `${label} ${percent(before[half][kind])}  ${percent(after[half][kind])}  ${change(before[half][kind], after[half][kind])}`,
    );
  }
}
