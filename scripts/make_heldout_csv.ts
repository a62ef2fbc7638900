// Writes the calculator tutorial's second validation set, tutorial/example_calculator_agent/data/heldout_csv.jsonl:
// the held-out 10% of the upstream calculator CSV's expressions (`HOLDOUT`, the split the bench has always scored
// on). The warm starts were never taught them (pretraining holds them out) and GRPO never trains on them (the
// tutorial's tasks come from make-data.ts); test/heldout-csv.test.ts checks both.
//
//   pnpm exec tsx scripts/make_heldout_csv.ts [--csv ../shared/data/calculator/calculator_train.csv] [--out FILE]
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { heldOutCsvRows } from './internal/calculator-demonstrations.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({
  options: {
    csv: { type: 'string', default: join(ROOT, '../shared/data/calculator/calculator_train.csv') },
    out: { type: 'string', default: join(ROOT, 'tutorial/example_calculator_agent/data/heldout_csv.jsonl') },
  },
});
const rows = heldOutCsvRows(values.csv);
writeFileSync(values.out, `${rows.map((row) => JSON.stringify(row)).join('\n')}\n`);
console.log(`wrote ${values.out} (${rows.length} rows)`);
