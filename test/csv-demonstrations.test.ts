import { readFileSync } from 'node:fs';
import { createTinyLm } from '@ajet/tinylm';
import { afterAll, describe, expect, it } from 'vitest';
import { readDemonstrations, renderDemonstration } from '../packages/core/src/runtime/demonstrations.ts';
import {
  csvDemonstrations,
  demonstrationSample,
  distinctRows,
  HOLDOUT,
  heldOutCsvRows,
  readCalculatorCsv,
  splitRows,
} from '../scripts/internal/calculator-demonstrations.ts';

const CSV = new URL('../../shared/data/calculator/calculator_train.csv', import.meta.url).pathname;
const SHIPPED = new URL('../tutorial/example_calculator_agent/data/csv_demonstrations.jsonl', import.meta.url).pathname;

describe("the calculator tutorial's PPO-ptx demonstrations (data/csv_demonstrations.jsonl)", () => {
  const backbone = createTinyLm({ modelPath: 'builtin:tinylm-calculator-deep-define' });
  afterAll(async () => (await backbone).close());

  it('are the CSV training rows as conversations that fit the warm start (scripts/make_csv_demonstrations.ts writes them), none held out', async () => {
    const tinylm = await backbone;
    const shipped = await readDemonstrations(SHIPPED);
    const fitting = [];
    for (const messages of csvDemonstrations(CSV))
      if ((await renderDemonstration(tinylm, messages, 384)) !== null) fitting.push(messages);
    expect(shipped).toEqual(fitting);
    expect(shipped.length).toBe(1086);
    const heldOut = heldOutCsvRows(CSV);
    const text = readFileSync(SHIPPED, 'utf8');
    expect(heldOut.filter((row) => text.includes(JSON.stringify(row.question)))).toEqual([]);
  });

  it('render through the backbone to the very tokens and loss mask pretraining taught', async () => {
    const tinylm = await backbone;
    const rows = distinctRows(splitRows(readCalculatorCsv(CSV), HOLDOUT).train).slice(0, 60);
    const conversations = csvDemonstrations(CSV).slice(0, 60);
    for (const [index, row] of rows.entries()) {
      const taught = await demonstrationSample(tinylm, row, { signedSums: true });
      const rendered = await renderDemonstration(tinylm, conversations[index] ?? []);
      expect(rendered?.tokenIds).toEqual(taught.tokenIds);
      expect(rendered?.lossMask).toEqual(taught.lossMask);
    }
  });
});
