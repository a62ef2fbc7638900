import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MathAnswerJudge } from './math-answer-judge.ts';

const judge = new MathAnswerJudge({
  reference_field: 'answer',
  box: 'last',
  tolerance: { relative: 1e-6, absolute: 0 },
});

const TABLE: [prediction: string, reference: string, expected: boolean][] = [
  ['\\boxed{1,000}', '1000', true],
  ['The answer is \\boxed{\\frac{1}{2}}', '0.5', true],
  ['\\boxed{\\dfrac{3}{4}}', '3/4', true],
  ['so x = \\boxed{2} and then \\boxed{3}', '3', true],
  ['\\boxed{\\text{18 dollars}}', '18', true],
  ['The answer is $18.', '18', true],
  ['The answer is 18.00', '18', true],
  ['#### 72', '72', true],
  ['<answer>42</answer>', '42', true],
  ['It costs \\$5.50', '5.5', true],
  ['50\\%', '50', true],
  ['90^\\circ', '90', true],
  ['\\boxed{1 1/2}', '1.5', true],
  ['3.2e3', '3200', true],
  ['-7', '-7', true],
  ['The answer is 19.', '18', false],
  ['\\boxed{180}', '18', false],
  ['no number here', '18', false],
  ['\\boxed{\\left( 3 \\right)}', '3', true],
  ['The answer is 007', '7', true],
];

describe('MathAnswerJudge', () => {
  it.each(TABLE)('%s vs %s → %s', (prediction, reference, expected) => {
    expect(judge.judge(prediction, reference).isSuccess).toBe(expected);
  });

  it('judges every GSM8K answer correct against itself and wrong against a perturbed one, in several renderings', () => {
    const file = fileURLToPath(new URL('../../../../shared/data/gsm8k/train.jsonl', import.meta.url));
    const answers = readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line.trim())
      .map((line) => (JSON.parse(line) as { answer: string }).answer);
    expect(answers.length).toBe(7473);
    let checked = 0;
    for (const solution of answers) {
      const reference = (/####\s*(.+)$/m.exec(solution)?.[1] ?? '').trim();
      const value = Number(reference.replace(/,/g, ''));
      const plain = String(value);
      const withCommas = value.toLocaleString('en-US');
      for (const written of [plain, withCommas]) {
        for (const rendering of [`\\boxed{${written}}`, `#### ${written}`, `The answer is $${written}.`]) {
          expect(judge.judge(rendering, solution).isSuccess, `${rendering} vs ${reference}`).toBe(true);
          for (const wrong of [value + 1, value - 1, value * 10]) {
            if (wrong === value) continue;
            expect(judge.judge(rendering.replace(written, String(wrong)), solution).isSuccess).toBe(false);
          }
          checked += 1;
        }
      }
    }
    expect(checked).toBe(7473 * 6);
  });

  it('formatting never changes the verdict', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1_000_000, max: 10_000_000 }), fc.integer({ min: 0, max: 5 }), (value, style) => {
        const written = style % 2 === 0 ? value.toLocaleString('en-US') : String(value);
        const wrappers = [
          `\\boxed{${written}}`,
          `#### ${written}`,
          `The answer is ${written}.`,
          `<answer>${written}</answer>`,
          `so it is ${written}`,
          `\\boxed{\\text{${written}}}`,
        ];
        expect(judge.judge(wrappers[style] as string, String(value)).isSuccess).toBe(true);
        expect(judge.judge(wrappers[style] as string, String(value + 1)).isSuccess).toBe(false);
      }),
    );
  });
});
