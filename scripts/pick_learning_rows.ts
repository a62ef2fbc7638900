// Picks the rows of test/fixtures/calculator-learning: held-out CSV rows on which the shipped warm start succeeds
// sometimes but not always, so a GRPO group's rewards differ and test/learning.test.ts can see the reward rise.
//
//   pnpm exec tsx scripts/pick_learning_rows.ts [--samples 4] [--count 8] [--model builtin:tinylm-calculator]
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createTinyLm } from '@ajet/tinylm';
import {
  distinctRows,
  evaluateCalculatorAgent,
  HOLDOUT,
  readCalculatorCsv,
  splitRows,
} from './internal/calculator-demonstrations.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({
  options: {
    samples: { type: 'string', default: '4' },
    count: { type: 'string', default: '8' },
    model: { type: 'string', default: 'builtin:tinylm-calculator' },
    temperature: { type: 'string', default: '0.9' },
    csv: { type: 'string', default: join(ROOT, '../shared/data/calculator/calculator_train.csv') },
    out: { type: 'string', default: join(ROOT, 'test/fixtures/calculator-learning/tasks.jsonl') },
  },
});
const samples = Number(values.samples);
const backbone = await createTinyLm({ modelPath: values.model });
const { validation } = splitRows(readCalculatorCsv(values.csv), HOLDOUT);
const rated = [];
// The upstream CSV repeats some rows; a repeat would only weigh one question twice.
for (const row of distinctRows(validation)) {
  let right = 0;
  for (let seed = 1; seed <= samples; seed++)
    right += (await evaluateCalculatorAgent({ backbone, rows: [row], temperature: Number(values.temperature), seed }))
      .accuracy;
  rated.push({ row, rate: right / samples });
}
const histogram = new Map<number, number>();
for (const { rate } of rated) histogram.set(rate, (histogram.get(rate) ?? 0) + 1);
console.log(
  `success rate over ${samples} samples at T=${values.temperature}, rows per rate: ` +
    [...histogram.entries()]
      .sort(([a], [b]) => a - b)
      .map(([rate, rows]) => `${rate}: ${rows}`)
      .join(', '),
);
const picked = rated.filter(({ rate }) => rate >= 0.25 && rate <= 0.75).slice(0, Number(values.count));
writeFileSync(values.out, picked.map(({ row }) => `${JSON.stringify(row)}\n`).join(''));
const mean = picked.reduce((sum, { rate }) => sum + rate, 0) / Math.max(1, picked.length);
console.log(`wrote ${picked.length} rows (mean rate ${mean.toFixed(2)}) to ${values.out}`);
