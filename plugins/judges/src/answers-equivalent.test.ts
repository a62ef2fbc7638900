import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { answersEquivalent } from './answers-equivalent.ts';
import { extractAnswer, extractBoxed } from './extract-answer.ts';
import { MathAnswerJudge } from './math-answer-judge.ts';

/** [prediction text as a model writes it, reference, expected verdict] */
const table: Array<[string, string, boolean]> = [
  // thousands separators
  ['\\boxed{1,000}', '1000', true],
  ['\\boxed{1000}', '1,000', true],
  ['\\boxed{12,345,678}', '12345678', true],
  ['\\boxed{1,000.5}', '1000.5', true],
  ['\\boxed{1,001}', '1000', false],
  ['\\boxed{10,000}', '1000', false],
  ['\\boxed{1{,}000}', '1000', true],
  // currency and percent
  ['\\boxed{\\$18}', '18', true],
  ['The answer is $18.', '18', true],
  ['The answer is $1,234.50.', '1234.5', true],
  ['\\boxed{50\\%}', '50', true],
  ['\\boxed{50%}', '50', true],
  ['\\boxed{18 dollars}', '18', true],
  ['\\boxed{\\$19}', '18', false],
  ['\\boxed{USD 5}', '5', true],
  // units and words after the number
  ['\\boxed{72 apples}', '72', true],
  ['\\boxed{72\\text{ apples}}', '72', true],
  ['\\boxed{5 \\text{cm}}', '5', true],
  ['\\boxed{60 km/h}', '60', true],
  ['\\boxed{3 hours}', '3', true],
  ['\\boxed{12\\,\\mathrm{kg}}', '12', true],
  ['The answer is 42 miles per hour.', '42', true],
  ['\\boxed{41 apples}', '42', false],
  ['\\boxed{5cm}', '5', true],
  // trailing period and spacing
  ['#### 72.', '72', true],
  ['The answer is 72.', '72', true],
  ['\\boxed{ 72 }', '72', true],
  ['The answer is: 72', '72', true],
  ['#### 7.2', '72', false],
  // signs
  ['\\boxed{-5}', '-5', true],
  ['\\boxed{−5}', '-5', true],
  ['\\boxed{+5}', '5', true],
  ['\\boxed{-5}', '5', false],
  ['\\boxed{5}', '-5', false],
  ['\\boxed{-0}', '0', true],
  ['\\boxed{-\\frac{1}{2}}', '-0.5', true],
  ['\\boxed{\\frac{-1}{2}}', '-1/2', true],
  // leading zeros
  ['\\boxed{007}', '7', true],
  ['\\boxed{0.50}', '0.5', true],
  ['\\boxed{05}', '50', false],
  ['\\boxed{.5}', '0.5', true],
  ['\\boxed{3.0}', '3', true],
  ['\\boxed{3554144.0}', '3554144', true],
  // decimals vs fractions vs \frac / \dfrac / a/b
  ['\\boxed{\\frac{1}{2}}', '0.5', true],
  ['\\boxed{\\dfrac{3}{4}}', '0.75', true],
  ['\\boxed{\\tfrac{3}{4}}', '3/4', true],
  ['\\boxed{\\frac12}', '1/2', true],
  ['\\boxed{1/3}', '\\frac{1}{3}', true],
  ['\\boxed{0.3333333333}', '1/3', true],
  ['\\boxed{0.33}', '1/3', false],
  ['\\boxed{2/4}', '1/2', true],
  ['\\boxed{\\frac{10}{4}}', '2.5', true],
  ['\\boxed{\\frac{1}{3}}', '\\frac{2}{3}', false],
  ['\\boxed{\\frac{6}{2}}', '3', true],
  ['\\boxed{\\frac{7}{2}}', '\\dfrac{7}{2}', true],
  ['\\boxed{1.5/3}', '0.5', true],
  // mixed numbers
  ['\\boxed{3\\frac{1}{2}}', '3.5', true],
  ['\\boxed{3 1/2}', '7/2', true],
  ['\\boxed{2\\dfrac{3}{4}}', '2.75', true],
  ['\\boxed{-1 1/2}', '-1.5', true],
  ['\\boxed{3\\frac{1}{2}}', '1.5', false],
  ['\\boxed{1 3/4 cups}', '1.75', true],
  // scientific notation
  ['\\boxed{1.5e3}', '1500', true],
  ['\\boxed{1.5E3}', '1500', true],
  ['\\boxed{1.5 \\times 10^{3}}', '1500', true],
  ['\\boxed{2.5\\cdot10^{-2}}', '0.025', true],
  ['\\boxed{6.02 \\times 10^{23}}', '602000000000000000000000', true],
  ['\\boxed{1e-3}', '0.001', true],
  ['\\boxed{1.5 \\times 10^{4}}', '1500', false],
  // LaTeX wrappers
  ['\\boxed{\\text{72}}', '72', true],
  ['\\boxed{\\textbf{72}}', '72', true],
  ['\\boxed{90^\\circ}', '90', true],
  ['\\boxed{90^{\\circ}}', '90', true],
  ['\\boxed{90°}', '90', true],
  ['\\boxed{\\left(1, 2\\right)}', '(1,2)', true],
  ['\\boxed{\\left(2, 1\\right)}', '(1,2)', false],
  ['\\boxed{\\displaystyle \\frac{1}{2}}', '0.5', true],
  ['$\\boxed{12}$', '12', true],
  ['\\boxed{\\mathbf{12}}', '12', true],
  ['\\boxed{x = 5}', '5', true],
  ['\\boxed{\\left[ 1, \\frac{1}{2} \\right]}', '[1, 0.5]', true],
  // symbolic
  ['\\boxed{2\\sqrt{3}}', '\\sqrt{12}', true],
  ['\\boxed{\\sqrt{2}/2}', '\\frac{1}{\\sqrt{2}}', true],
  ['\\boxed{\\frac{\\pi}{2}}', '\\pi/2', true],
  ['\\boxed{\\pi}', '3.14159265358979', true],
  ['\\boxed{3.14}', '\\pi', false],
  ['\\boxed{x^2+2x+1}', '(x+1)^2', true],
  ['\\boxed{x^2+1}', '(x+1)^2', false],
  ['\\boxed{2(x+y)}', '2x+2y', true],
  ['\\boxed{\\frac{x}{2}}', '0.5x', true],
  ['\\boxed{\\sqrt[3]{8}}', '2', true],
  ['\\boxed{2^{10}}', '1024', true],
  ['\\boxed{\\frac{1+\\sqrt{5}}{2}}', '1.6180339887', true],
  ['\\boxed{\\frac{1-\\sqrt{5}}{2}}', '1.6180339887', false],
  ['\\boxed{a+b}', 'b+a', true],
  ['\\boxed{a-b}', 'b-a', false],
  // nested braces and several boxes
  ['First \\boxed{3} then corrected: \\boxed{\\frac{1}{\\frac{1}{4}}}', '4', true],
  ['\\boxed{\\frac{\\frac{1}{2}}{2}}', '0.25', true],
  ['\\boxed{1} \\boxed{2}', '2', true],
  ['\\boxed{1} \\boxed{2}', '1', false],
  // other answer formats
  ['<answer>42</answer>', '42', true],
  ['<answer> 1,024 </answer>', '1024', true],
  ['I think <answer>41</answer>', '42', false],
  ['Work... #### 1,000', '1000', true],
  ['We add 3 and 4 to get 7 in total.', '7', true],
  ['We add 3 and 4 to get 7 in total.', '4', false],
  ['So the total is $1,250 dollars', '1250', true],
  ['No number here at all', '5', false],
  ['', '5', false],
  // references as GSM8K solutions and CSV cells
  ['\\boxed{72}', 'Natalia sold 48/2 = <<48/2=24>>24 clips.\n#### 72', true],
  ['\\boxed{24}', 'Natalia sold 48/2 = <<48/2=24>>24 clips.\n#### 72', false],
  ['\\boxed{792.8470588235294}', '792.8470588235294', true],
  ['\\boxed{792.85}', '792.8470588235294', false],
  // text answers
  ['\\boxed{\\text{Yes}}', 'yes', true],
  ['\\boxed{B}', 'B', true],
  ['\\boxed{B}', 'C', false],
];

describe('math_answer table', () => {
  const judge = new MathAnswerJudge(MathAnswerJudge.settings.parse({}));
  it('has at least 100 pairs', () => expect(table.length).toBeGreaterThanOrEqual(100));
  it.each(table)('%s vs %s -> %s', (prediction, reference, expected) => {
    const result = judge.judgeText({ prediction, reference });
    expect({ isSuccess: result.isSuccess, rawReward: result.rawReward }, JSON.stringify(result.details)).toEqual({
      isSuccess: expected,
      rawReward: expected ? 1 : 0,
    });
  });

  it('takes the first box when configured', () => {
    const first = new MathAnswerJudge(MathAnswerJudge.settings.parse({ box: 'first' }));
    expect(first.judgeText({ prediction: '\\boxed{1} \\boxed{2}', reference: '1' }).isSuccess).toBe(true);
  });

  it('accepts rounding under an absolute tolerance (the calculator seed used 0.1)', () => {
    const loose = new MathAnswerJudge(MathAnswerJudge.settings.parse({ tolerance_absolute: 0.1 }));
    expect(loose.judgeText({ prediction: '\\boxed{792.85}', reference: '792.8470588235294' }).isSuccess).toBe(true);
    expect(loose.judgeText({ prediction: '\\boxed{793}', reference: '792.8470588235294' }).isSuccess).toBe(false);
  });

  it('never applies a tolerance to two whole numbers or two exactly written answers', () => {
    const loose = new MathAnswerJudge(
      MathAnswerJudge.settings.parse({ tolerance_absolute: 1, tolerance_relative: 0.01 }),
    );
    expect(loose.judgeText({ prediction: '\\boxed{18}', reference: '19' }).isSuccess).toBe(false);
    expect(loose.judgeText({ prediction: '\\boxed{\\frac{37}{2}}', reference: '\\frac{39}{2}' }).isSuccess).toBe(false);
    expect(loose.judgeText({ prediction: '\\boxed{3\\frac{1}{2}}', reference: '7/2' }).isSuccess).toBe(true);
    expect(loose.judgeText({ prediction: '\\boxed{18.5}', reference: '19' }).isSuccess).toBe(true);
    expect(
      judge.judgeText({ prediction: '\\boxed{\\frac{6999993}{4}}', reference: '\\frac{6999989}{4}' }).isSuccess,
    ).toBe(false);
    expect(judge.judgeText({ prediction: '\\boxed{0.3333333333}', reference: '\\frac{1}{3}' }).isSuccess).toBe(true);
  });

  it('explains a verdict in details', () => {
    const result = judge.judgeText({ prediction: 'so \\boxed{1,000}', reference: '#### 1000' });
    expect(result.details).toMatchObject({
      prediction: '1,000',
      extraction: 'boxed',
      reference: '1000',
      normalizedPrediction: '1000',
      reason: 'numeric_equal',
    });
  });
});

const integer = fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n });
const grouped = (value: bigint): string => {
  const text = (value < 0n ? -value : value).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return value < 0n ? `-${text}` : text;
};
const wrappers: Array<(answer: string) => string> = [
  (answer) => `\\boxed{${answer}}`,
  (answer) => `Reasoning first.\n#### ${answer}`,
  (answer) => `So the answer is ${answer}.`,
  (answer) => `<answer>${answer}</answer>`,
  (answer) => `Some words \\boxed{\\text{${answer}}} done`,
  (answer) => `We compute 3 + 4 and \\boxed{${answer} \\text{ units}}`,
];

describe('math_answer properties', () => {
  const judge = new MathAnswerJudge(MathAnswerJudge.settings.parse({}));

  it('formatting an integer never changes the verdict', () => {
    fc.assert(
      fc.property(
        integer,
        integer,
        fc.integer({ min: 0, max: wrappers.length - 1 }),
        fc.boolean(),
        (a, b, wrapperIndex, commas) => {
          const wrapper = wrappers[wrapperIndex] ?? ((answer: string) => answer);
          const prediction = wrapper(commas ? grouped(a) : a.toString());
          expect(judge.judgeText({ prediction, reference: b.toString() }).isSuccess).toBe(a === b);
        },
      ),
    );
  });

  it('a fraction equals its decimal and its \\frac form', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1000, max: 1000 }), fc.integer({ min: 1, max: 64 }), (numerator, denominator) => {
        const decimal = String(numerator / denominator);
        const latex = `\\frac{${numerator}}{${denominator}}`;
        expect(answersEquivalent({ prediction: latex, reference: decimal }).equal).toBe(true);
        expect(answersEquivalent({ prediction: `${numerator}/${denominator}`, reference: latex }).equal).toBe(true);
        expect(answersEquivalent({ prediction: latex, reference: String(numerator / denominator + 1) }).equal).toBe(
          false,
        );
      }),
    );
  });

  it('extraction finds the last of nested boxes whatever surrounds them', () => {
    const text = fc.string().filter((value) => !/[\\{}]/.test(value) && !value.includes('boxed'));
    fc.assert(
      fc.property(text, text, fc.integer({ min: 0, max: 5 }), fc.integer(), (before, after, depth, value) => {
        const inner = `${'{'.repeat(depth)}${value}${'}'.repeat(depth)}`;
        const boxes = extractBoxed(`${before}\\boxed{1}${before}\\boxed{${inner}}${after}`);
        expect(boxes.at(-1)).toBe(inner);
        expect(extractAnswer(`${before}\\boxed{${inner}}${after}`)?.method).toBe('boxed');
      }),
    );
  });

  it('equivalence is symmetric', () => {
    const atoms = [
      '1/2',
      '0.5',
      '\\frac{1}{2}',
      '1,000',
      '1000',
      '2\\sqrt{3}',
      '\\sqrt{12}',
      'x+1',
      '1+x',
      '3 1/2',
      '3.5',
      '(1, 2)',
    ];
    fc.assert(
      fc.property(fc.constantFrom(...atoms), fc.constantFrom(...atoms), (a, b) => {
        expect(answersEquivalent({ prediction: a, reference: b }).equal).toBe(
          answersEquivalent({ prediction: b, reference: a }).equal,
        );
      }),
    );
  });
});
