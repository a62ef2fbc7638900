import { describe, expect, it } from 'vitest';
import {
  HOLDOUT,
  heldOutCsvRows,
  readCalculatorCsv,
  readCalculatorJsonl,
  splitRows,
} from '../scripts/internal/calculator-demonstrations.ts';
import { generateCsvLikeQuestions } from '../scripts/internal/calculator-questions.ts';
import { generateTasks } from '../tutorial/example_calculator_agent/make-data.ts';

const CSV = new URL('../../shared/data/calculator/calculator_train.csv', import.meta.url).pathname;
const tutorialData = (name: string) =>
  readCalculatorJsonl(new URL(`../tutorial/example_calculator_agent/data/${name}`, import.meta.url).pathname);

describe("the calculator tutorial's held-out CSV split (data/heldout_csv.jsonl)", () => {
  const shipped = tutorialData('heldout_csv.jsonl');

  it('is the CSV held-out split row for row (scripts/make_heldout_csv.ts writes it)', () => {
    expect(shipped).toEqual(heldOutCsvRows(CSV));
    expect(shipped.length).toBe(174);
  });

  it('shares no expression or question with what the warm starts were taught or GRPO trains on', () => {
    const taught = [
      ...splitRows(readCalculatorCsv(CSV), HOLDOUT).train,
      ...tutorialData('demonstrations.jsonl'),
      ...generateTasks({ seed: 5, count: 4000 }),
      ...generateCsvLikeQuestions({ seed: 8, count: 40000 }), // pretrain_tinylm.ts --csv-like 40000 (tinylm-calculator-csv-long; its first 20,000 taught tinylm-calculator-csv)
      ...tutorialData('train.jsonl'),
      ...tutorialData('train_csv_like.jsonl'), // scripts/make_csv_like_tasks.ts
    ];
    const expressions = new Set(taught.map((row) => row.expression.replace(/\s/g, '')));
    const questions = new Set(taught.map((row) => row.question));
    expect(shipped.filter((row) => expressions.has(row.expression.replace(/\s/g, '')))).toEqual([]);
    expect(shipped.filter((row) => questions.has(row.question))).toEqual([]);
  });
});
