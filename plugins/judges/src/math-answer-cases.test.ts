import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { MathAnswerJudge } from './math-answer-judge.ts';

/**
 * Competition-style answers by category, written from how public graders (Math-Verify and the RL frameworks that
 * use it) decide; `note` marks a verdict chosen on purpose (README: "Where we differ from Math-Verify").
 * The same file feeds `pnpm bench math-answer`.
 */
const caseRow = z.object({
  category: z.string(),
  prediction: z.string(),
  reference: z.string(),
  expected: z.boolean(),
  note: z.string().optional(),
});
const casesFile = fileURLToPath(new URL('./__fixtures__/math-answer-cases.jsonl', import.meta.url));
const cases = readFileSync(casesFile, 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => caseRow.parse(JSON.parse(line)));
const categories = [...new Set(cases.map((entry) => entry.category))];
const judge = new MathAnswerJudge(MathAnswerJudge.settings.parse({}));

describe('math_answer on competition-style answers', () => {
  it('has at least 15 cases in each of the 12 categories', () => {
    expect(categories).toHaveLength(12);
    for (const category of categories) {
      expect(cases.filter((entry) => entry.category === category).length, category).toBeGreaterThanOrEqual(15);
    }
  });

  for (const category of categories) {
    describe(category, () => {
      const rows = cases.filter((entry) => entry.category === category);
      it.each(rows.map((row) => [row.prediction.slice(0, 60), row.reference, row.expected, row] as const))(
        '%s vs %s -> %s',
        (_prediction, _reference, _expected, row) => {
          const result = judge.judgeText({ prediction: row.prediction, reference: row.reference });
          expect(result.isSuccess, JSON.stringify(result.details)).toBe(row.expected);
        },
      );
    });
  }
});
