// Scores calculator-agent policies the way `pnpm bench tinylm-calculator` does (one calculator call, then the answer;
// greedy unless --temperature) on a JSONL of {question, expression} rows (the held-out CSV split by default) or on
// fresh questions in the calculator CSV's styles (the generator GRPO's tasks come from, with a seed of your own), and
// lists the rows each got wrong, so that two checkpoints can be compared row by row. With --samples K it also samples
// each row K times at the tutorial's temperature and counts, for the rows answered right and wrong greedily, how many
// were sampled right 0..K times: a greedy miss no sample answers right gives GRPO no reward to learn from.
//
//   pnpm exec tsx scripts/score_calculator.ts MODEL... [--rows FILE | --csv-like N [--seed S]] [--temperature T]
//                                             [--samples K]
//
// MODEL: a builtin name (builtin:tinylm-calculator-deep-define) or a run's checkpoints/step-N folder.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createTinyLm } from '@ajet/tinylm';
import {
  evaluateCalculatorAgent,
  greedyReach,
  readCalculatorJsonl,
  sampledSuccesses,
} from './internal/calculator-demonstrations.ts';
import { generateCsvLikeQuestions } from './internal/calculator-questions.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** The tutorial's rollout temperature (calculator_agent.yaml), what --samples samples at unless --temperature says. */
const SAMPLING_TEMPERATURE = 0.9;
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    rows: { type: 'string' },
    'csv-like': { type: 'string' },
    seed: { type: 'string', default: '101' },
    temperature: { type: 'string' },
    samples: { type: 'string', default: '0' },
  },
});
const fail = (message: string): never => {
  console.error(`score_calculator: ${message}`);
  process.exit(1);
};
if (positionals.length === 0)
  fail('no model given; hint: pnpm exec tsx scripts/score_calculator.ts builtin:tinylm-calculator-deep-define');
if (values.rows !== undefined && values['csv-like'] !== undefined) fail('give --rows or --csv-like, not both');
const count = Number(values['csv-like'] ?? 0);
const seed = Number(values.seed);
const samples = Number(values.samples);
// Greedy unless given; the K samples of --samples are drawn at the tutorial's rollout temperature unless given.
const temperature = Number(values.temperature ?? (samples > 0 ? SAMPLING_TEMPERATURE : 0));
if (!Number.isInteger(count) || count < 0)
  fail(`--csv-like ${values['csv-like']}: expected a whole number of questions`);
if (!Number.isInteger(seed)) fail(`--seed ${values.seed}: expected a whole number`);
if (!(temperature >= 0)) fail(`--temperature ${values.temperature}: expected a number ≥ 0`);
if (!Number.isInteger(samples) || samples < 0) fail(`--samples ${values.samples}: expected a whole number`);
if (samples > 0 && temperature === 0)
  fail('--samples with --temperature 0 would sample the greedy answer K times; hint: --temperature 0.9');

const file = values.rows ?? join(ROOT, 'tutorial/example_calculator_agent/data/heldout_csv.jsonl');
const readRows = () => {
  if (!existsSync(file)) fail(`${file}: no such file; hint: --rows takes a JSONL of {"question", "expression"} lines`);
  try {
    return readCalculatorJsonl(file);
  } catch (error) {
    return fail(`${(error as Error).message}; hint: each line is {"question": "...", "expression": "..."}`);
  }
};
const rows = count > 0 ? generateCsvLikeQuestions({ seed, count }) : readRows();
const what = count > 0 ? `${count} question${count === 1 ? '' : 's'} in the CSV's styles (seed ${seed})` : file;
console.log(
  samples > 0
    ? `scoring on ${what} greedily, and ${samples} samples a row at temperature ${temperature}`
    : `scoring on ${what} at temperature ${temperature}`,
);
for (const model of positionals) {
  // createTinyLm takes a builtin name, a model folder or a run's checkpoints/step-N; its error names the folder.
  const backbone = await createTinyLm({ modelPath: model }).catch((error: Error) => fail(error.message));
  try {
    const { correct } = await evaluateCalculatorAgent({ backbone, rows, temperature: samples > 0 ? 0 : temperature });
    const right = correct.filter(Boolean).length;
    const wrong = correct.flatMap((ok, index) => (ok ? [] : [index]));
    console.log(
      `${model}: ${right}/${correct.length} (${((100 * right) / correct.length).toFixed(1)}%) wrong rows: ${wrong.join(',') || 'none'}`,
    );
    if (samples > 0) {
      const seeds = Array.from({ length: samples }, (_, index) => index + 1);
      const successes = await sampledSuccesses({ backbone, rows, temperature, seeds });
      const { misses, reachableMisses } = greedyReach({ greedyBefore: correct, successes });
      const rowsWith = (greedy: boolean, times: number) =>
        correct.filter((ok, index) => ok === greedy && successes[index] === times).length;
      const counts = Array.from(
        { length: samples + 1 },
        (_, times) => `${times}: ${rowsWith(true, times)} | ${rowsWith(false, times)}`,
      );
      console.log(
        `  rows sampled right k of ${samples} times at T=${temperature} (greedy right | wrong): ${counts.join(', ')}`,
      );
      console.log(
        `  ${reachableMisses} of ${misses} greedy misses answered right by at least one sample (a group of only failures has no reward to learn from)`,
      );
    }
  } finally {
    await backbone.close();
  }
}
