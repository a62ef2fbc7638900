// Writes the calculator tutorial's PPO-ptx demonstrations, tutorial/example_calculator_agent/data/csv_demonstrations.jsonl
// (`algorithm.ptx.file_path`): the calculator CSV's training rows, each expression once, as the conversations the
// warm starts were taught (question, gold call, the tool's output, the answer), one {"messages": [...]} a line.
// None of the held-out 10% (test/csv-demonstrations.test.ts checks it); none longer than the tutorial's warm start
// reads (384 tokens), so the run has nothing to leave out.
//
//   pnpm exec tsx scripts/make_csv_demonstrations.ts [--csv ../shared/data/calculator/calculator_train.csv] [--out FILE]
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createTinyLm } from '@ajet/tinylm';
import { renderDemonstration } from '../packages/core/src/runtime/demonstrations.ts';
import { csvDemonstrations } from './internal/calculator-demonstrations.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({
  options: {
    csv: { type: 'string', default: join(ROOT, '../shared/data/calculator/calculator_train.csv') },
    out: { type: 'string', default: join(ROOT, 'tutorial/example_calculator_agent/data/csv_demonstrations.jsonl') },
  },
});
const backbone = await createTinyLm({ modelPath: 'builtin:tinylm-calculator-deep-define' });
const { maxModelLen } = (await backbone.getInfo()).capabilities;
const conversations = [];
for (const messages of csvDemonstrations(values.csv))
  if ((await renderDemonstration(backbone, messages, maxModelLen)) !== null) conversations.push(messages);
await backbone.close();
writeFileSync(values.out, `${conversations.map((messages) => JSON.stringify({ messages })).join('\n')}\n`);
console.log(
  `wrote ${values.out} (${conversations.length} demonstrations; longer than ${maxModelLen} tokens: left out)`,
);
