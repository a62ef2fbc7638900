import { createRandom } from '@ajet/spec';
import { runCalculator } from '@ajet/tools';
import { describe, expect, it } from 'vitest';
import { generateCsvLikeQuestions, withRepeatedNumbers } from '../scripts/internal/calculator-questions.ts';

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

  describe('repeats (pretraining --csv-like-repeats): numbers that come back later in the question', () => {
    const numbers = (text: string) => text.match(/\d+(?:\.\d+)?/g) ?? [];
    const repeated = (text: string) => new Set(numbers(text)).size < numbers(text).length;
    const withRepeats = generateCsvLikeQuestions({ seed: 8, count: 2000, repeats: 0.5 });

    it('leaves the stream as it was at 0 (the shipped weights were taught it)', () => {
      expect(generateCsvLikeQuestions({ seed: 8, count: 300, repeats: 0 })).toEqual(rows.slice(0, 300));
    });

    it('makes about that share of questions repeat a number (questions of fewer than 3 distinct numbers stay)', () => {
      const share = (list: typeof rows) => list.filter((row) => repeated(row.question)).length / list.length;
      expect(share(rows)).toBeLessThan(0.03);
      expect(share(withRepeats)).toBeGreaterThan(0.3);
      expect(share(withRepeats)).toBeLessThan(0.55);
    });

    it('keeps every question exact: its answer, and its numbers said as often as the expression uses them', () => {
      for (const row of withRepeats) {
        expect(row.answer).toBe(runCalculator(row.expression));
        expect(Number.isFinite(Number(row.answer)), row.expression).toBe(true);
        expect(numbers(row.question).sort(), row.question).toEqual(numbers(row.expression).sort());
      }
    });

    it('replaces a number everywhere by an earlier one of the same question, and leaves short questions alone', () => {
      const made = { question: 'What is 11 plus 22 plus 33 plus 44?', expression: '11+22+33+44' };
      for (let seed = 0; seed < 20; seed++) {
        const out = withRepeatedNumbers(made, createRandom(seed));
        expect(numbers(out.question)).toEqual(numbers(out.expression));
        expect(numbers(out.question)[0]).toBe('11');
        expect(repeated(out.question), out.question).toBe(true);
        expect(out.question.replace(/\d+/g, 'N')).toBe(made.question.replace(/\d+/g, 'N'));
      }
      const two = { question: 'What is 11 times 22 plus 11?', expression: '11*22+11' };
      expect(withRepeatedNumbers(two, createRandom(1))).toEqual(two);
    });

    it('refuses a share outside 0 to 1, naming the option', () => {
      expect(() => generateCsvLikeQuestions({ seed: 8, count: 1, repeats: 1.5 })).toThrow(/--csv-like-repeats/);
    });
  });
});
