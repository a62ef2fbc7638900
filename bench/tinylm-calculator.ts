// The embedded policy on the calculator task, at the shipped warm start and after the tutorial's default GRPO run:
// accuracy (greedy pass@1, and the mean of 4 samples a row at the training temperature, and at 0.9, the issue's target, when
// training samples at another) on the tutorial's validation split
// (the kind of question GRPO trains on) and on the held-out 10% of the calculator CSV's expressions (questions
// neither the warm start nor GRPO saw: the tutorial's data/heldout_csv.jsonl); then the run's own validation of both
// sets (metrics.jsonl), greedy and sampled pass@1 before → after; wall time, sampling tokens/s and training
// tokens/s. mix_csv_train=1 needs ../shared.
//   pnpm bench tinylm-calculator [key=value...]   config overrides, e.g. trainer_common.optim.lr=3e-4
//   pnpm bench tinylm-calculator mix_csv_train=1  GRPO tasks: the tutorial's plus the CSV's training rows
//   pnpm bench tinylm-calculator --seeds 42,7,8   one GRPO run per seed (the config's `seed`), then a table of the
//                                                 held-out CSV's greedy and sampled pass@1 before → after for each
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MetricsRecord } from '@ajet/spec';
import { createTinyLm } from '@ajet/tinylm';
import { builtins } from '../packages/cli/src/builtins.ts';
import { loadConfig, runJob } from '../packages/core/src/index.ts';
import {
  expressionKind,
  greedyReach,
  HOLDOUT,
  readCalculatorCsv,
  readCalculatorJsonl,
  sampledSuccesses,
  scoreCalculatorAgent,
  splitRows,
} from '../scripts/internal/calculator-demonstrations.ts';

const CSV = new URL('../../shared/data/calculator/calculator_train.csv', import.meta.url).pathname;
const CONF = 'tutorial/example_calculator_agent/calculator_agent.yaml';
const MIX = 'mix_csv_train=1';
const heldOutRows = readCalculatorJsonl(
  new URL('../tutorial/example_calculator_agent/data/heldout_csv.jsonl', import.meta.url).pathname,
);
const scratch = mkdtempSync(join(tmpdir(), 'ajet-bench-'));
const seedsAt = process.argv.findIndex((argument) => argument === '--seeds' || argument.startsWith('--seeds='));
const seedsText = seedsAt < 0 ? undefined : (process.argv[seedsAt]?.split('=')[1] ?? process.argv[seedsAt + 1]);
const grpoSeeds = seedsText?.split(',').map(Number);
if (grpoSeeds?.some((seed) => !Number.isInteger(seed)) || grpoSeeds?.length === 0) {
  console.error(
    `tinylm-calculator: --seeds ${seedsText}: expected whole numbers joined by commas, e.g. --seeds 42,7,8`,
  );
  process.exit(2);
}
const extraSets = process.argv
  .slice(2)
  .filter((argument) => argument.includes('=') && argument !== MIX && !argument.startsWith('--seeds'));
if (process.argv.includes(MIX)) {
  // The CSV's rows are what the warm start was taught on; mixed in, that kind of question keeps a gradient.
  const mixed = join(scratch, 'train-with-csv.jsonl');
  const tutorialTrain = readFileSync(
    new URL('../tutorial/example_calculator_agent/data/train.jsonl', import.meta.url),
    'utf8',
  );
  const csvTrain = splitRows(readCalculatorCsv(CSV), HOLDOUT).train;
  const csvLines = csvTrain.map(({ question, expression, answer }) => JSON.stringify({ question, expression, answer }));
  writeFileSync(mixed, `${tutorialTrain.trimEnd()}\n${csvLines.join('\n')}\n`);
  extraSets.push(`task_reader.dataset_file.training.file_path=${mixed}`);
}
const loadedDefault = loadConfig({ file: CONF, sets: extraSets });
const temperature = loadedDefault.config.rollout.temperature;
// debug.debug_first_n_tasks=N (a quick look) scores the first N rows of each set too, as the run validates them.
const firstN = loadedDefault.config.debug.debugFirstNTasks;
const firstRows = <Row>(rows: readonly Row[]): Row[] => rows.slice(0, firstN ?? rows.length);
const validation = firstRows(heldOutRows);
const TARGET_TEMPERATURE = 0.9;

const tutorialValidation = firstRows(
  readCalculatorJsonl(new URL('../tutorial/example_calculator_agent/data/validation.jsonl', import.meta.url).pathname),
);
// Sampled accuracy is the mean of 4 samples a row: with one, its standard error is ~3.7 points on the 174 held-out
// rows, enough by itself to move a change across a +15 target; 4 samples a row cut the part that is draw luck.
const SAMPLE_SEEDS = [1, 2, 3, 4];
const score = async (modelPath: string) => ({
  csv: await scoreCalculatorAgent({ modelPath, rows: validation, temperature, sampleSeeds: SAMPLE_SEEDS }),
  tutorial: await scoreCalculatorAgent({ modelPath, rows: tutorialValidation, temperature, sampleSeeds: SAMPLE_SEEDS }),
  tutorialAtTarget:
    temperature === TARGET_TEMPERATURE
      ? undefined
      : await scoreCalculatorAgent({
          modelPath,
          rows: tutorialValidation,
          temperature: TARGET_TEMPERATURE,
          sampleSeeds: SAMPLE_SEEDS,
        }),
});

const before = await score(loadedDefault.config.model.path);
// GRPO learns a question only from a group whose rewards differ: how often does the warm start answer each held-out
// row right when it samples? REACH_SEEDS samples a row at the target temperature.
const REACH_SEEDS = [1, 2, 3, 4, 5, 6, 7, 8];
const warmStart = await createTinyLm({ modelPath: loadedDefault.config.model.path });
const reach = await sampledSuccesses({
  backbone: warmStart,
  rows: validation,
  temperature: TARGET_TEMPERATURE,
  seeds: REACH_SEEDS,
});
await warmStart.close();
const reachBefore = greedyReach({ greedyBefore: before.csv.greedyCorrect, successes: reach });
console.log(
  `held-out CSV (${validation.length}): the warm start misses ${reachBefore.misses} greedily; ${reachBefore.reachableMisses} of them answered right by at least one of ${REACH_SEEDS.length} samples at T=${TARGET_TEMPERATURE} (a group of only failures has no reward to learn from)`,
);
/** "3 (samples right of 8 at the warm start: 0, 1, 2)" */
const withReach = (successes: number[]) =>
  `${successes.length}${successes.length === 0 ? '' : ` (warm start's samples right of ${REACH_SEEDS.length}: ${[...successes].sort((a, b) => a - b).join(', ')})`}`;
interface SeedResult {
  seed: number;
  csvGreedy: [number, number];
  csvSampled: [number, number];
  wallSeconds: number;
}
/** One GRPO run of the tutorial (with `seed`, when given), scored before and after. */
async function benchOnce(seed: number | undefined): Promise<SeedResult> {
  const loaded = seed === undefined ? loadedDefault : loadConfig({ file: CONF, sets: [...extraSets, `seed=${seed}`] });
  const experimentDir = join(scratch, `run-${seed ?? 'default'}`);
  const started = performance.now();
  const result = await runJob({ loaded, mode: 'train', experimentDir, builtins });
  const wallSeconds = (performance.now() - started) / 1000;
  const steps = result.mode === 'train' ? result.summary.steps : 0;
  const after = await score(join(experimentDir, 'checkpoints', `step-${steps}`));
  const records = readFileSync(join(experimentDir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as MetricsRecord);
  const train = records.filter((record) => record.phase === 'train');
  const validations = records.filter((record) => record.phase === 'val');
  const sum = (name: string) => train.reduce((total, record) => total + (record.metrics[name] ?? 0), 0);
  const percent = (value: number) => `${(value * 100).toFixed(1)}%`;

  console.log(`tutorial run: ${steps} steps, ${CONF} ${extraSets.join(' ')}`);
  console.log('                                      warm start   after GRPO   change');
  for (const [name, label, rows] of [
    ['tutorial', 'tutorial validation', tutorialValidation.length],
    ['csv', 'held-out CSV', validation.length],
  ] as const) {
    const row = (what: string, a: number, b: number) =>
      console.log(
        `${`${label} (${rows}) ${what}`.padEnd(38)}${percent(a).padStart(10)}   ${percent(b).padStart(10)}   ${((b - a) * 100).toFixed(1)} pts`,
      );
    row('greedy', before[name].greedy, after[name].greedy);
    row(`T=${temperature}`, before[name].sampled, after[name].sampled);
    const [atTargetBefore, atTargetAfter] = [before.tutorialAtTarget, after.tutorialAtTarget];
    if (name === 'tutorial' && atTargetBefore && atTargetAfter)
      row(`T=${TARGET_TEMPERATURE}`, atTargetBefore.sampled, atTargetAfter.sampled);
  }
  for (const kind of new Set(tutorialValidation.map((row) => expressionKind(row.expression)))) {
    const indices = tutorialValidation.flatMap((row, index) =>
      expressionKind(row.expression) === kind ? [index] : [],
    );
    const share = (correct: boolean[]) => indices.filter((index) => correct[index]).length / indices.length;
    console.log(
      `${`  ${kind} (${indices.length}) greedy`.padEnd(38)}${percent(share(before.tutorial.greedyCorrect)).padStart(10)}   ${percent(share(after.tutorial.greedyCorrect)).padStart(10)}`,
    );
  }
  const changed = greedyReach({
    greedyBefore: before.csv.greedyCorrect,
    successes: reach,
    greedyAfter: after.csv.greedyCorrect,
  });
  console.log(
    `held-out CSV greedy, row by row: ${withReach(changed.gained)} turned right, ${withReach(changed.lost)} turned wrong`,
  );
  const [firstValidation, lastValidation] = [validations[0], validations.at(-1)];
  if (firstValidation && lastValidation && firstValidation !== lastValidation) {
    const k = lastValidation.metrics['val/sampled/k'] ?? 1;
    console.log(
      `the run's own validation (metrics.jsonl, step ${firstValidation.step} → ${lastValidation.step}; sampled: ${k} episode(s) a task at T=${lastValidation.metrics['val/sampled/temperature']})`,
    );
    for (const [set, label] of [
      ['', 'tutorial validation'],
      ['heldout_csv/', 'held-out CSV'],
    ] as const) {
      for (const kind of ['greedy', 'sampled'] as const) {
        const name = `val/${set}${kind}/pass@1`;
        const [a, b] = [firstValidation.metrics[name], lastValidation.metrics[name]];
        if (a === undefined || b === undefined) continue;
        const rows = lastValidation.metrics[`val/${set}n`] ?? 0;
        console.log(
          `${`${label} (${rows}) ${kind}`.padEnd(38)}${percent(a).padStart(10)}   ${percent(b).padStart(10)}   ${((b - a) * 100).toFixed(1)} pts`,
        );
      }
    }
  }
  console.log(
    'targets (issue 28): held-out greedy up and at least 90%, held-out sampled up by at least 15 pts, in at most 600 s',
  );
  console.log(`GRPO run wall time       ${wallSeconds.toFixed(0)} s`);
  console.log(
    `sampling tokens/s        ${(sum('tokens/sampled') / sum('time/rollout_s')).toFixed(0)} in rollouts; ${before.csv.greedyTokensPerSecond.toFixed(0)} greedy in evaluation`,
  );
  const mean = (name: string) => sum(name) / Math.max(1, train.filter((record) => name in record.metrics).length);
  console.log(
    `groups a step            ${mean('groups/total').toFixed(1)} rolled out, ${mean('groups/skipped').toFixed(1)} with one reward for all episodes (no gradient); policy entropy on trained tokens ${mean('train/entropy').toFixed(3)} nats`,
  );
  console.log(
    `training tokens/s        ${(sum('tokens/trained') / Math.max(1e-9, sum('time/train_s'))).toFixed(0)} (trained tokens; each step's sequences are ~3x longer)`,
  );
  return {
    seed: loaded.config.seed,
    csvGreedy: [before.csv.greedy, after.csv.greedy],
    csvSampled: [before.csv.sampled, after.csv.sampled],
    wallSeconds,
  };
}

const results: SeedResult[] = [];
for (const seed of grpoSeeds ?? [undefined]) {
  if (grpoSeeds) console.log(`\n--- GRPO seed ${seed}`);
  results.push(await benchOnce(seed));
}
if (results.length > 1) {
  const arrow = ([a, b]: [number, number]) => `${(a * 100).toFixed(1)}% → ${(b * 100).toFixed(1)}%`;
  console.log(
    `\nheld-out CSV (${validation.length}), bench scoring (greedy; T=${temperature}, the mean of ${SAMPLE_SEEDS.length} samples a row):`,
  );
  console.log('seed   greedy             sampled            wall');
  for (const result of results)
    console.log(
      `${String(result.seed).padEnd(7)}${arrow(result.csvGreedy).padEnd(19)}${arrow(result.csvSampled).padEnd(19)}${result.wallSeconds.toFixed(0)} s`,
    );
}
