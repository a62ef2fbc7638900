// Scores calculator-agent policies the way `pnpm bench tinylm-calculator` does (one calculator call, then the answer;
// greedy unless --temperature) on a JSONL of {question, expression} rows (the held-out CSV split by default) or on
// fresh questions in the calculator CSV's styles (the generator GRPO's tasks come from, with a seed of your own), and
// lists the rows each got wrong, so that two checkpoints can be compared row by row.
//
//   pnpm exec tsx scripts/score_calculator.ts MODEL... [--rows FILE | --csv-like N [--seed S]] [--temperature T]
//
// MODEL: a builtin name (builtin:tinylm-calculator-deep-define) or a run's checkpoints/step-N folder.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createTinyLm } from '@ajet/tinylm';
import { evaluateCalculatorAgent, readCalculatorJsonl } from './internal/calculator-demonstrations.ts';
import { generateCsvLikeQuestions } from './internal/calculator-questions.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    rows: { type: 'string' },
    'csv-like': { type: 'string' },
    seed: { type: 'string', default: '101' },
    temperature: { type: 'string', default: '0' },
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
const temperature = Number(values.temperature);
if (!Number.isInteger(count) || count < 0)
  fail(`--csv-like ${values['csv-like']}: expected a whole number of questions`);
if (!Number.isInteger(seed)) fail(`--seed ${values.seed}: expected a whole number`);
if (!(temperature >= 0)) fail(`--temperature ${values.temperature}: expected a number ≥ 0`);

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
console.log(`scoring on ${what} at temperature ${temperature}`);
for (const model of positionals) {
  // createTinyLm takes a builtin name, a model folder or a run's checkpoints/step-N; its error names the folder.
  const backbone = await createTinyLm({ modelPath: model }).catch((error: Error) => fail(error.message));
  try {
    const { correct } = await evaluateCalculatorAgent({ backbone, rows, temperature });
    const right = correct.filter(Boolean).length;
    const wrong = correct.flatMap((ok, index) => (ok ? [] : [index]));
    console.log(
      `${model}: ${right}/${correct.length} (${((100 * right) / correct.length).toFixed(1)}%) wrong rows: ${wrong.join(',') || 'none'}`,
    );
  } finally {
    await backbone.close();
  }
}
