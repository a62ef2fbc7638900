import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { extractAnswer } from './extract-answer.ts';
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

describe('inequality_as_interval', () => {
  it.each([
    ['\\boxed{x < 3}', '(-\\infty, 3)', true],
    ['\\boxed{x \\le 3}', '(-\\infty, 3)', false],
    ['\\boxed{x \\geq 2}', '[2, \\infty)', true],
    ['\\boxed{3 > x}', '(-\\infty, 3)', true],
    ['\\boxed{1 < x \\le 3}', '(1, 3]', true],
    ['\\boxed{1 < x \\le 3}', '[1, 3]', false],
    ['\\boxed{(-\\infty, 3)}', 'x < 3', true],
    ['\\boxed{x > 2}', '(-\\infty, 2)', false],
  ])('reads %s as an interval against %s when asked: %s', (prediction, reference, expected) => {
    const loose = new MathAnswerJudge(MathAnswerJudge.settings.parse({ inequality_as_interval: true }));
    expect(loose.judgeText({ prediction, reference }).isSuccess).toBe(expected);
    expect(judge.judgeText({ prediction, reference }).isSuccess).toBe(false);
  });
});

/** A rational p/q in six LaTeX renderings a model writes, each inside its own delimiters. */
function renderings(numerator: bigint, denominator: bigint): string[] {
  const sign = numerator < 0n ? '-' : '';
  const magnitude = numerator < 0n ? -numerator : numerator;
  const whole = magnitude / denominator;
  const rest = magnitude % denominator;
  const mixed =
    denominator === 1n
      ? `${numerator}`
      : whole === 0n
        ? `${sign}\\frac{${rest}}{${denominator}}`
        : `${sign}${whole}\\frac{${rest}}{${denominator}}`;
  return [
    `So the answer is \\boxed{${sign}\\frac{${magnitude}}{${denominator}}}.`,
    `The final answer is $${sign}\\dfrac{${magnitude}}{${denominator}}$. I hope it is correct.`,
    `Hence \\(\\tfrac{${numerator}}{${denominator}}\\)`,
    `We get $$\\cfrac{${3n * numerator}}{${3n * denominator}}$$`,
    `Therefore \\[ ${numerator}/${denominator} \\]`,
    `<answer>${mixed}</answer>`,
  ];
}

describe('math_answer properties', () => {
  it('a rational in six LaTeX forms equals itself in every form, and differs from itself ±1', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }),
        fc.bigInt({ min: 1n, max: 10n ** 6n }),
        (numerator, denominator) => {
          // A reference is an answer, not a reply: each rendering's extracted answer.
          const answers = (forms: string[]) => forms.map((form) => extractAnswer(form)?.text ?? form);
          const forms = renderings(numerator, denominator);
          const sameReferences = answers(forms);
          const otherReferences = [-denominator, denominator].flatMap((shift) =>
            answers(renderings(numerator + shift, denominator)),
          );
          for (const prediction of forms) {
            for (const reference of sameReferences) {
              const same = judge.judgeText({ prediction, reference });
              expect(same.isSuccess, `${prediction} vs ${reference}: ${JSON.stringify(same.details)}`).toBe(true);
            }
            for (const reference of otherReferences) {
              expect(judge.judgeText({ prediction, reference }).isSuccess, `${prediction} vs ${reference}`).toBe(false);
            }
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
