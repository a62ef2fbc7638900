// Supervised warm start of the embedded policy on calculator-agent demonstrations.
//
//   pnpm exec tsx scripts/pretrain_tinylm.ts --minutes 90 --workers 2
//   pnpm exec tsx scripts/pretrain_tinylm.ts --engine torch --steps 10000 --eval-every-steps 2000 --workers 1 \
//     --batch-size 32 --augment 5 --seed 1 --tasks 4000 --signed-sums --label-smoothing 0.03 --csv-like 20000 \
//     --out packages/tinylm/weights/tinylm-calculator-csv        (the tutorial's warm start; the commands of the
//                                                                 other shipped weights: packages/tinylm/README.md)
//
// --engine ts trains with tinylm's own kernels on worker threads; --engine torch with PyTorch's CPU build from
// the backend's virtual environment (`bash backend/scripts/setup_venv.sh`), the same model, loss, optimizer and
// schedule, about 50 times the samples per second. Either way the TypeScript model scores the held-out rows.
//
// Data: the upstream calculator CSV (its `expression` column gives the gold tool call; answers are recomputed
// exactly) minus a held-out 10% of its expressions, optionally copies of those rows with other numbers
// (--augment N), plus the tutorial's templated demonstrations (data/demonstrations.jsonl), plus optionally
// (--tasks N) questions of the kinds the tutorial's GRPO trains on, from make-data.ts's generator with another
// seed, shorter when --task-chain / --task-list say so. Every demonstration is tokenized exactly as a rollout is
// (prompt, sampled turn, tool reply, sampled turn), and only the assistant turns train.
// --label-smoothing E (--engine torch): each target token's cross-entropy is taken against (1-E)·one-hot + E·uniform
// over the vocabulary, so the policy keeps some probability on other tokens: greedy decoding barely changes, sampling
// explores, and GRPO then has groups with different rewards to learn from (packages/tinylm/README.md).
// Seeded; writes the weights (a --minutes run its best scored ones, a --steps run its last), a validation-accuracy
// curve (CSV) and a log; --keep-all also keeps each scored checkpoint in <out>/step-N.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createRandom } from '@ajet/core';
import type { TrainingSample } from '@ajet/spec';
import { AdamW, readModelFolder, TinyLmBackbone, TinyTokenizer, type TransformerConfig } from '@ajet/tinylm';
import { initializeParameters } from '@ajet/tinylm/internal';
import { generateTasks } from '../tutorial/example_calculator_agent/make-data.ts';
import {
  buildCalculatorTokenizer,
  type CalculatorRow,
  calculatorRow,
  demonstrationSample,
  evaluateCalculatorAgent,
  HOLDOUT,
  numberVariants,
  readCalculatorCsv,
  readCalculatorJsonl,
  splitRows,
} from './internal/calculator-demonstrations.ts';
import { generateCsvLikeQuestions } from './internal/calculator-questions.ts';
import { TorchTrainer } from './internal/torch-trainer.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({
  options: {
    minutes: { type: 'string' },
    steps: { type: 'string' },
    'schedule-steps': { type: 'string' },
    'eval-every-steps': { type: 'string', default: '500' },
    workers: { type: 'string', default: '2' },
    seed: { type: 'string', default: '1' },
    csv: { type: 'string', default: join(ROOT, '../shared/data/calculator/calculator_train.csv') },
    out: { type: 'string', default: join(ROOT, 'packages/tinylm/weights/tinylm-calculator') },
    continue: { type: 'boolean', default: false },
    'eval-every-s': { type: 'string', default: '240' },
    'batch-size': { type: 'string', default: '16' },
    lr: { type: 'string', default: '0.002' },
    engine: { type: 'string', default: 'ts' },
    augment: { type: 'string', default: '0' },
    'd-model': { type: 'string', default: '64' },
    layers: { type: 'string', default: '2' },
    tasks: { type: 'string', default: '0' },
    'task-chain': { type: 'string', default: '6' },
    'task-list': { type: 'string', default: '8' },
    'keep-all': { type: 'boolean', default: false },
    'signed-sums': { type: 'boolean', default: false },
    'label-smoothing': { type: 'string', default: '0' },
    'csv-like': { type: 'string', default: '0' },
    'csv-like-min-numbers': { type: 'string', default: '0' },
    'csv-like-repeats': { type: 'string', default: '0' },
    'bucket-batches': { type: 'string', default: '0' },
    'repeated-numbers': { type: 'string' },
  },
});
/** A bad option: one line naming it, exit code 2. */
function usage(message: string): never {
  console.error(`pretrain_tinylm.ts: ${message}`);
  process.exit(2);
}
// --minutes: train that long, the cosine schedule set by the clock. --steps N: stop after N optimizer steps of a
// schedule --schedule-steps long (default N), evaluating every --eval-every-steps: no clock in it, so the same
// seed gives the same weights at any speed (with --engine torch, one thread: PyTorch's sums are then in order).
if (values.minutes !== undefined && values.steps !== undefined)
  usage('--minutes and --steps: give one (the first schedules by the clock, the second by steps)');
const minutes = Number(values.minutes ?? 90);
const stepPlan =
  values.steps === undefined
    ? undefined
    : {
        steps: countOption('steps', 1),
        schedule: countOption(values['schedule-steps'] === undefined ? 'steps' : 'schedule-steps', 1),
        evalEvery: countOption('eval-every-steps', 1),
      };
/** A whole-number option at least `least`, or a one-line error naming it. */
function countOption(
  name:
    | 'tasks'
    | 'csv-like'
    | 'csv-like-min-numbers'
    | 'bucket-batches'
    | 'task-chain'
    | 'task-list'
    | 'steps'
    | 'schedule-steps'
    | 'eval-every-steps',
  least: number,
): number {
  const value = Number(values[name]);
  if (!Number.isInteger(value) || value < least)
    usage(`--${name} ${values[name]}: expected a whole number of at least ${least}`);
  return value;
}
/** A share between 0 and 1, or a one-line error naming the option. */
function shareOption(name: 'csv-like-repeats'): number {
  const value = Number(values[name]);
  if (!(value >= 0 && value <= 1)) usage(`--${name} ${values[name]}: expected a share between 0 and 1, e.g. 0.3`);
  return value;
}
const workerCount = Math.max(1, Number(values.workers));
const seed = Number(values.seed);
const batchSize = Number(values['batch-size']);
const peakLr = Number(values.lr);
const evalEverySeconds = Number(values['eval-every-s']);
const engine = values.engine;
if (engine !== 'ts' && engine !== 'torch') usage(`--engine ${engine}: use ts or torch`);
const labelSmoothing = Number(values['label-smoothing']);
if (!(labelSmoothing >= 0 && labelSmoothing < 1))
  usage(`--label-smoothing ${values['label-smoothing']}: expected a number in [0, 1)`);
if (labelSmoothing > 0 && engine !== 'torch')
  usage(`--label-smoothing ${labelSmoothing}: only --engine torch has it (tinylm's losses do not)`);
// --bucket-batches K (--engine torch): K batches' samples drawn at a time, sorted by length and trained as batches
// of similar length in a shuffled order: less padding, about 1.9 times the steps a second (pnpm bench pretrain-torch).
const bucketBatches = countOption('bucket-batches', 0);
if (bucketBatches > 0 && engine !== 'torch')
  usage(`--bucket-batches ${bucketBatches}: only --engine torch has it (tinylm's own kernels batch in drawing order)`);
const outDir = resolve(values.out);
const logFile = join(outDir, 'pretrain-log.txt');
const curveFile = join(outDir, 'pretrain-curve.csv');

const csvRows = readCalculatorCsv(values.csv);
const { train: csvTrain, validation } = splitRows(csvRows, HOLDOUT);
const tutorialRows = readCalculatorJsonl(join(ROOT, 'tutorial/example_calculator_agent/data/demonstrations.jsonl'));
// --augment N: N copies of every CSV training row with other numbers (same wording and structure).
const augmentRandom = createRandom(seed + 2);
const augmented = csvTrain.flatMap((row) => numberVariants(row, Number(values.augment), augmentRandom));
// --tasks N: N demonstrations of the tutorial's kinds of task (make-data.ts's generator, seed 5; the tutorial's
// training and validation splits are seeds 3 and 4), and 100 more (seed 6) scored beside the held-out CSV rows:
// the weights with the best mean of the two are kept.
const taskCount = countOption('tasks', 0);
// --task-chain / --task-list: the most numbers in those tasks' plus/minus chains and summed lists (the tutorial's
// own tasks go to 6 and 8).
const taskLengths = { mostChain: countOption('task-chain', 3), mostList: countOption('task-list', 4) };
const taskRows = generateTasks({ seed: 5, count: taskCount, ...taskLengths }).map(calculatorRow);
const selectRows = taskCount > 0 ? generateTasks({ seed: 6, count: 100, ...taskLengths }).map(calculatorRow) : [];
// --csv-like N: N questions in the CSV's styles from our own templates (scripts/internal/calculator-questions.ts,
// seed 8): its structures said many ways, with other numbers, so the held-out phrasings are not new to the policy.
// --csv-like-min-numbers M: only those of M numbers or more (the longest questions are where the policy fails).
// --csv-like-repeats P: that share of them with numbers that come back later in the question (withRepeatedNumbers).
const csvLikeRows = generateCsvLikeQuestions({
  seed: 8,
  count: countOption('csv-like', 0),
  minNumbers: countOption('csv-like-min-numbers', 0),
  repeats: shareOption('csv-like-repeats'),
});
const trainRows: CalculatorRow[] = [...csvTrain, ...augmented, ...tutorialRows, ...taskRows, ...csvLikeRows];
// --signed-sums: mixed plus/minus chains are written as one add over signed operands (see goldCall).
const goldCallOptions = { signedSums: values['signed-sums'] };

mkdirSync(outDir, { recursive: true });
const log = async (line: string) => {
  const stamped = `${new Date().toISOString()} ${line}`;
  console.log(stamped);
  await appendFile(logFile, `${stamped}\n`);
};

// --repeated-numbers define|copy: how the tokenizer writes a number that comes back in a prompt or tool reply
// (packages/tinylm/README.md, "Tokenizer"); set on a new model, or changed on a continued one. Absent: the
// continued model's setting, or copy for a new one.
const repeatedNumbers = values['repeated-numbers'];
if (repeatedNumbers !== undefined && repeatedNumbers !== 'copy' && repeatedNumbers !== 'define')
  usage(`--repeated-numbers ${repeatedNumbers}: expected copy or define`);

let initial: { config: TransformerConfig; tokenizer: TinyTokenizer; params: Float32Array };
if (values.continue && existsSync(join(outDir, 'model.json'))) {
  const { file, params } = await readModelFolder(outDir);
  const tokenizer = new TinyTokenizer({
    ...file.tokenizer,
    repeatedNumbers: repeatedNumbers ?? file.tokenizer.repeatedNumbers,
  });
  initial = { config: file.transformer, tokenizer, params };
} else {
  const tokenizer = new TinyTokenizer({
    ...buildCalculatorTokenizer(trainRows, goldCallOptions).toJSON(),
    repeatedNumbers: repeatedNumbers ?? 'copy',
  });
  const config: TransformerConfig = {
    vocabSize: tokenizer.vocabSize,
    dModel: Number(values['d-model']),
    nHeads: 4,
    nLayers: Number(values.layers),
    dFeedForward: 4 * Number(values['d-model']),
    maxSeqLen: 384,
  };
  initial = { config, tokenizer, params: initializeParameters(config, createRandom(seed)) };
}

const backbone = new TinyLmBackbone({
  name: 'tinylm-calculator',
  config: initial.config,
  tokenizer: initial.tokenizer.toJSON(),
  params: initial.params,
  seed,
  trainThreads: engine === 'ts' ? workerCount : 1,
});

// The weights training writes in place (in shared memory when --engine ts has more than one worker).
const params = backbone.params;
const samples = (await Promise.all(trainRows.map((row) => demonstrationSample(backbone, row, goldCallOptions)))).filter(
  (sample) => sample.tokenIds.length <= initial.config.maxSeqLen,
);
const lengths = samples.map((sample) => sample.tokenIds.length).sort((a, b) => a - b);
await log(
  `rows: ${csvTrain.length} CSV + ${augmented.length} number variants + ${tutorialRows.length} tutorial demonstrations + ${taskRows.length} of the tutorial's kinds of task + ${csvLikeRows.length} in the CSV's styles, ${validation.length} CSV held out; ` +
    `vocab ${backbone.tokenizer.vocabSize}; params ${params.length}; sequence length median ${lengths[lengths.length >> 1]} max ${lengths.at(-1)}; ` +
    `${workerCount} workers, batch ${batchSize}, lr ${peakLr}, ` +
    (labelSmoothing > 0 ? `label smoothing ${labelSmoothing}, ` : '') +
    (stepPlan ? `${stepPlan.steps} steps of a ${stepPlan.schedule}-step schedule` : `${minutes} min`),
);

/** Greedy agent episodes on held-out rows: call, tool reply, answer. */
async function evaluate(rows: readonly CalculatorRow[]): Promise<number> {
  return (await evaluateCalculatorAgent({ backbone, rows, temperature: 0 })).accuracy;
}

const evalRows = validation.slice(0, 100);
const started = performance.now();
const deadline = started + minutes * 60_000;
let best = -1;
if (!existsSync(curveFile) || !values.continue)
  writeFileSync(
    curveFile,
    `elapsed_s,step,train_loss,val_accuracy${selectRows.length > 0 ? ',select_accuracy' : ''}\n`,
  );

async function save(note: string, folder = outDir): Promise<void> {
  await backbone.saveState({ path: folder, includeOptimizer: false });
  const modelFile = backbone.modelFile(note);
  writeFileSync(join(folder, 'model.json'), `${JSON.stringify({ ...modelFile, policyVersion: 0 }, null, 1)}\n`);
}

/** Scores the current weights on the held-out rows, appends to the curve, and saves them when they are the best. */
async function checkpoint(step: number, loss: number, final = false): Promise<void> {
  const heldOut = await evaluate(evalRows);
  const selected = selectRows.length > 0 ? await evaluate(selectRows) : undefined;
  const accuracy = selected === undefined ? heldOut : (heldOut + selected) / 2;
  const elapsed = (performance.now() - started) / 1000;
  await appendFile(
    curveFile,
    `${elapsed.toFixed(0)},${step},${loss.toFixed(4)},${heldOut.toFixed(4)}${selected === undefined ? '' : `,${selected.toFixed(4)}`}\n`,
  );
  const selectedText =
    selected === undefined
      ? ''
      : `, ${(selected * 100).toFixed(1)}% on ${selectRows.length} more of the tutorial's kinds`;
  await log(
    `${final ? 'final: ' : ''}step ${step} elapsed ${elapsed.toFixed(0)} s loss ${loss.toFixed(4)} held-out greedy accuracy ${(heldOut * 100).toFixed(1)}%${selectedText}` +
      (final ? ` (best before ${(best * 100).toFixed(1)}%)` : ''),
  );
  const note = `pretrain_tinylm.ts --engine ${engine} seed ${seed}: step ${step}, ${elapsed.toFixed(0)} s, held-out greedy accuracy ${(heldOut * 100).toFixed(1)}% on ${evalRows.length} CSV rows${selectedText}`;
  if (values['keep-all']) {
    const folder = join(outDir, `step-${step}`);
    mkdirSync(folder, { recursive: true });
    await save(note, folder);
  }
  // A --minutes run keeps its best weights; a --steps run the weights of the step it was asked for.
  const keep = stepPlan ? final : accuracy >= best;
  best = Math.max(best, accuracy);
  if (keep) await save(note);
}

/** tinylm's own kernels, each batch split over `--workers` threads (TinyLmOptions.trainThreads). */
async function trainWithWorkers(): Promise<void> {
  const optimizer = new AdamW(params.length);
  const random = createRandom(seed + 1);
  const order = samples.map((_, index) => index);
  let cursor = order.length;
  let step = 0;
  let nextEval = started;
  let lossEma = 0;
  const more = () => (stepPlan ? step < stepPlan.steps : performance.now() < deadline);
  while (more()) {
    if (stepPlan ? step % stepPlan.evalEvery === 0 : performance.now() >= nextEval) {
      await checkpoint(step, lossEma);
      nextEval = performance.now() + evalEverySeconds * 1000;
    }
    const batch: TrainingSample[] = [];
    while (batch.length < batchSize) {
      if (cursor >= order.length) {
        for (let index = order.length - 1; index > 0; index--) {
          const other = Math.floor(random() * (index + 1));
          [order[index], order[other]] = [order[other] as number, order[index] as number];
        }
        cursor = 0;
      }
      batch.push(samples[order[cursor++] as number] as TrainingSample);
    }
    const { loss } = await backbone.forwardBackward({
      samples: batch,
      loss: { type: 'cross_entropy', aggregation: 'token-mean' },
    });
    const progress = stepPlan ? step / stepPlan.schedule : (performance.now() - started) / (deadline - started);
    const warmup = Math.min(1, (step + 1) / 100);
    const learningRate = peakLr * warmup * (0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI * Math.min(1, progress))));
    optimizer.apply({
      params,
      grads: backbone.grads,
      settings: { learningRate, beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.01, maxGradNorm: 1 },
    });
    backbone.paramsChanged();
    lossEma = step === 0 ? loss : 0.98 * lossEma + 0.02 * loss;
    step += 1;
    if (step % 50 === 0) await log(`step ${step} loss ${lossEma.toFixed(4)} lr ${learningRate.toExponential(2)}`);
  }
  await checkpoint(step, lossEma, true);
  await backbone.close();
}

/**
 * PyTorch on the CPU (scripts/internal/pretrain_torch.py: the same model, loss, optimizer and schedule) trains
 * between evaluations; the TypeScript model scores and saves each interval's weights.
 */
async function trainWithTorch(): Promise<void> {
  const workDir = mkdtempSync(join(tmpdir(), 'ajet-pretrain-'));
  const trainer = await TorchTrainer.start({
    config: initial.config,
    params,
    samples,
    workDir,
    seed,
    batchSize,
    lr: peakLr,
    threads: workerCount,
    labelSmoothing,
    bucketBatches,
  });
  try {
    await checkpoint(0, 0);
    let result = { step: 0, loss: 0, lr: 0 };
    while (stepPlan && result.step < stepPlan.steps) {
      const until = Math.min(stepPlan.steps, result.step + stepPlan.evalEvery);
      result = await trainer.trainSteps(until, stepPlan.schedule);
      backbone.setParams(trainer.params());
      await log(`step ${result.step} loss ${result.loss.toFixed(4)} lr ${result.lr.toExponential(2)} (PyTorch)`);
      await checkpoint(result.step, result.loss, result.step >= stepPlan.steps);
    }
    while (!stepPlan && performance.now() < deadline - 5_000) {
      const now = performance.now();
      const seconds = Math.min(evalEverySeconds, (deadline - now) / 1000);
      const span = deadline - started;
      result = await trainer.train(seconds, [(now - started) / span, (now + seconds * 1000 - started) / span]);
      backbone.setParams(trainer.params());
      await log(`step ${result.step} loss ${result.loss.toFixed(4)} (PyTorch, ${seconds.toFixed(0)} s)`);
      await checkpoint(result.step, result.loss, performance.now() >= deadline - 5_000);
    }
  } finally {
    await trainer.close();
    rmSync(workDir, { recursive: true, force: true });
  }
}

if (engine === 'torch') await trainWithTorch();
else await trainWithWorkers();
