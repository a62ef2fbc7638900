// Writes tutorial/example_calculator_agent/data/train_csv_like.jsonl: GRPO tasks in the calculator CSV's styles
// (scripts/internal/calculator-questions.ts, seed 9; the warm start was taught seed 8), so GRPO trains on the kinds
// of question the held-out CSV split asks, never on its rows (test/heldout-csv.test.ts checks it), interleaved
// with the tutorial's own tasks (data/train.jsonl) one for one.
//
//   pnpm exec tsx scripts/make_csv_like_tasks.ts
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { generateCsvLikeQuestions } from './internal/calculator-questions.ts';

const folder = fileURLToPath(new URL('../tutorial/example_calculator_agent/data/', import.meta.url));
const tutorial = readFileSync(`${folder}train.jsonl`, 'utf8').trim().split('\n');
const csvLike = generateCsvLikeQuestions({ seed: 9, count: tutorial.length }).map(({ question, expression, answer }) =>
  JSON.stringify({ question, expression, answer }),
);
const lines = csvLike.flatMap((line, index) => [line, tutorial[index] as string]);
writeFileSync(`${folder}train_csv_like.jsonl`, `${lines.join('\n')}\n`);
console.log(
  `wrote ${folder}train_csv_like.jsonl (${lines.length} rows: ${csvLike.length} in the CSV's styles, ${tutorial.length} of train.jsonl)`,
);
