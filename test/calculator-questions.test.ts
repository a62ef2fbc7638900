import { runCalculator } from '@ajet/tools';
import { describe, expect, it } from 'vitest';
import { generateCsvLikeQuestions } from '../scripts/internal/calculator-questions.ts';

describe('generateCsvLikeQuestions (pretraining --csv-like)', () => {
  const rows = generateCsvLikeQuestions({ seed: 8, count: 3000 });

  it('is seeded: the same seed gives the same rows, another seed other rows', () => {
    expect(generateCsvLikeQuestions({ seed: 8, count: 50 })).toEqual(rows.slice(0, 50));
    expect(generateCsvLikeQuestions({ seed: 9, count: 50 })).not.toEqual(rows.slice(0, 50));
  });

  it('minNumbers keeps only the questions of that many numbers or more, in the order of the unfiltered stream', () => {
    const count = (expression: string) => (expression.match(/\d+(?:\.\d+)?/g) ?? []).length;
    const long = generateCsvLikeQuestions({ seed: 8, count: 40, minNumbers: 10 });
    expect(long).toHaveLength(40);
    for (const row of long) expect(count(row.expression), row.expression).toBeGreaterThanOrEqual(10);
    expect(long.slice(0, 10)).toEqual(rows.filter((row) => count(row.expression) >= 10).slice(0, 10));
    expect(generateCsvLikeQuestions({ seed: 8, count: 50, minNumbers: 0 })).toEqual(rows.slice(0, 50));
  });

  it('refuses, naming the option, a minNumbers no template reaches instead of searching forever', () => {
    expect(() => generateCsvLikeQuestions({ seed: 8, count: 1, minNumbers: 40 })).toThrow(/--csv-like-min-numbers/);
  });

  it('gives each question the exact answer of its expression, never an error', () => {
    for (const row of rows) {
      expect(row.answer).toBe(runCalculator(row.expression));
      expect(Number.isFinite(Number(row.answer)), row.expression).toBe(true);
    }
  });

  it('says every number of the expression in the question, as often as the expression uses it', () => {
    const numbers = (text: string) => (text.match(/\d+(?:\.\d+)?/g) ?? []).sort();
    for (const row of rows) expect(numbers(row.question), row.question).toEqual(numbers(row.expression));
  });

  it("covers the CSV's structures: steps in turn, groups, long chains, all four operations, 1 to 9 digits", () => {
    const share = (test: (expression: string) => boolean) =>
      rows.filter((row) => test(row.expression)).length / rows.length;
    expect(share((expression) => expression.includes('('))).toBeGreaterThan(0.3);
    expect(share((expression) => (expression.match(/\d+/g) ?? []).length >= 7)).toBeGreaterThan(0.1);
    for (const operator of ['+', '-', '*', '/'])
      expect(share((expression) => expression.includes(operator))).toBeGreaterThan(0.3);
    const digits = new Set(rows.flatMap((row) => (row.expression.match(/\d+/g) ?? []).map((number) => number.length)));
    for (const size of [1, 2, 3, 4, 5, 6, 7, 9]) expect(digits.has(size)).toBe(true);
    expect(new Set(rows.map((row) => row.question)).size).toBeGreaterThan(0.99 * rows.length);
  });
});
