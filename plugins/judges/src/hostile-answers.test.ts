import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { answersEquivalent } from './answers-equivalent.ts';
import { extractAnswer } from './extract-answer.ts';
import { MathAnswerJudge } from './math-answer-judge.ts';
import { parseNumeric } from './parse-numeric.ts';

const judge = new MathAnswerJudge(MathAnswerJudge.settings.parse({}));

/** Runs `work` and returns how long it took in ms; a throw fails the test. */
function timed(work: () => unknown): number {
  const start = performance.now();
  work();
  return performance.now() - start;
}

/** Generous for a loaded 2-core CI machine; the bombs below took 5 s to 16 s (then a V8 abort) before the caps. */
const boundMs = 500;

describe('math_answer on hostile answers', () => {
  it.each([
    ['a 30000x30000 matrix', '\\boxed{ones(30000,30000)}', '0'],
    ['a matrix against an expression', '\\boxed{ones(30000,30000)}', 'x+1'],
    ['a matrix in a sum', '\\boxed{zeros(20000, 20000) + 1}', 'x'],
    ['a huge exponent', '\\boxed{1e99999999}', '5'],
    ['a huge power of ten', '\\boxed{1 \\times 10^{99999999}}', '5'],
    ['a big number power', '\\boxed{bignumber(10)^1000000}', 'x'],
    ['a huge range', '\\boxed{range(1, 100000000)}', 'x'],
    ['a recursive function', '\\boxed{f(x) = f(x)}', 'x'],
    ['3000 nested fractions', `\\boxed{${'\\frac{'.repeat(3000)}1${'}{2}'.repeat(3000)}}`, '0.5'],
    ['20000 nested parentheses', `\\boxed{${'('.repeat(20000)}1${')'.repeat(20000)}}`, '1'],
    ['a polynomial blow-up', '\\boxed{(a+b+c+d+f+g+h+k)^{32}}', '(a+b+c+d+f+g+h+k)^{31}'],
    ['a product of powers', `\\boxed{${'(x+y+1)^{32}'.repeat(8)}}`, 'x'],
    ['huge coefficients', `\\boxed{${'(10^{300}x+1)^{32}'.repeat(4)}}`, 'x'],
    ['square roots of big numbers', `\\boxed{${'\\sqrt{999999999999}+'.repeat(40)}1}`, '1'],
    [
      'a set of 400 items',
      `\\boxed{\\{${Array.from({ length: 400 }, (_, i) => `x+${i}`).join(',')}\\}}`,
      `\\{${Array.from({ length: 400 }, (_, i) => `${i}+x`).join(',')}\\}`,
    ],
    ['nested sets', `\\boxed{${'\\{'.repeat(200)}1${'\\}'.repeat(200)}}`, `${'\\{'.repeat(200)}1${'\\}'.repeat(200)}`],
    [
      'a big matrix',
      `\\boxed{\\begin{pmatrix}${Array.from({ length: 30 }, () => '1 & 2 & 3 & 4 & 5 & 6 & 7 & 8').join('\\\\')}\\end{pmatrix}}`,
      `\\begin{pmatrix}${Array.from({ length: 30 }, () => '1 & 2 & 3 & 4 & 5 & 6 & 7 & 8').join('\\\\')} & 9\\end{pmatrix}`,
    ],
  ])('bounds the work on %s', (_label, prediction, reference) => {
    let result: ReturnType<MathAnswerJudge['judgeText']> | undefined;
    const elapsed = timed(() => {
      result = judge.judgeText({ prediction, reference });
    });
    expect(result?.isSuccess).toBe(false);
    expect(elapsed).toBeLessThan(boundMs);
  });

  it('evaluates only scalar arithmetic: matrix, unit and string functions are not answers', () => {
    for (const prediction of [
      'sum(ones(3,3))',
      'size(ones(3, 3))[1]*3',
      'det([[3,0],[0,3]])',
      'number(unit("9 cm"))',
    ]) {
      expect(answersEquivalent({ prediction, reference: '9' }).equal, prediction).toBe(false);
    }
    expect(answersEquivalent({ prediction: 'sqrt(81)', reference: '9' }).equal).toBe(true);
    expect(answersEquivalent({ prediction: '3^2', reference: '9' }).equal).toBe(true);
    expect(answersEquivalent({ prediction: 'abs(-9)', reference: 'nthRoot(729, 3)' }).equal).toBe(true);
  });

  it('stops a verdict at its time budget: too_complex, not equal', () => {
    const matrix = `\\begin{pmatrix}${Array.from({ length: 6 }, () => '1 & 2 & 3').join('\\\\')}\\end{pmatrix}`;
    expect(answersEquivalent({ prediction: matrix, reference: matrix })).toMatchObject({ equal: true });
    expect(answersEquivalent({ prediction: matrix, reference: matrix, timeBudgetMs: -1 })).toMatchObject({
      equal: false,
      reason: 'too_complex',
    });
  });

  it('reads huge exponents without building the number', () => {
    expect(timed(() => parseNumeric('1e999999999'))).toBeLessThan(boundMs);
    expect(parseNumeric('1e999999999')).toBeUndefined();
    expect(parseNumeric('1.5e300')?.value).toBe(1.5e300);
  });

  it('gives an episode with a 200 KB answer reward 0 (too_long), quickly, as data', async () => {
    const answer = `\\boxed{${'9'.repeat(200_000)}}`;
    const started = performance.now();
    const result = await judge.computeReward(
      {
        task: { taskId: '1', mainQuery: 'q', metadata: { answer: '9' } },
        episodeId: 'e',
        taskTag: 'T1#R0',
        split: 'train',
        repeatIndex: 0,
      },
      { metadata: {} },
      { messages: [{ role: 'assistant', content: answer }], calls: [], sequences: [] },
    );
    expect(performance.now() - started).toBeLessThan(boundMs);
    expect(result).toMatchObject({ rawReward: 0, isSuccess: false, details: { reason: 'too_long' } });
  });

  it('extracts from a long hostile reply in linear time', () => {
    for (const text of [
      '<answer>'.repeat(100_000),
      'answer is '.repeat(100_000),
      '####'.repeat(200_000),
      '1,'.repeat(300_000),
      `\\boxed{${'{'.repeat(300_000)}`,
      '$'.repeat(300_000),
      '$1 x\n'.repeat(60_000),
      '\\('.repeat(150_000),
      '\\[ '.repeat(100_000),
      '$$ '.repeat(100_000),
      'final answer is '.repeat(30_000),
      '<think>'.repeat(40_000),
      `${'</think>'.repeat(40_000)}5`,
    ]) {
      expect(
        timed(() => judge.judgeText({ prediction: text, reference: '5' })),
        text.slice(0, 20),
      ).toBeLessThan(boundMs);
    }
  });
});

/** Pieces a model could string together: mathjs functions, LaTeX commands, numbers with huge exponents, brackets. */
const hostilePiece = fc.oneof(
  fc.constantFrom(
    'ones(',
    'zeros(',
    'range(',
    'matrix(',
    'bignumber(',
    'fraction(',
    'unit(',
    'createUnit(',
    'import(',
    'evaluate(',
    'parse(',
    'simplify(',
    'derivative(',
    'factorial(',
    'gamma(',
    'pow(',
    'sqrt(',
    '\\frac{',
    '\\sqrt[',
    '\\boxed{',
    '\\text{',
    '\\left(',
    '\\right)',
    '\\infty',
    '\\pi',
    '10^{',
    'e99999999',
    '1e-99999999',
    '9'.repeat(400),
    '99999',
    ',000',
    '(',
    ')',
    '[',
    ']',
    '{',
    '}',
    ',',
    ';',
    '=',
    '^',
    '!',
    '/',
    '*',
    '+',
    '-',
    '.',
    ':',
    '"',
    'x',
    ' ',
    '\n',
    '<answer>',
    '</answer>',
    '####',
    'answer is',
    '\\begin{pmatrix}',
    '\\end{pmatrix}',
    '&',
    '\\\\',
    '\\cup',
    '\\{',
    '\\}',
    '\\le',
    '<',
    '\\in',
    '<think>',
    '</think>',
    '$',
    '$$',
    '\\(',
    '\\)',
    '\\[',
    '\\]',
    '\\sin^2',
    '\\log_',
    '\\binom{',
    '%',
    '\\%',
    '€',
    'ab',
    ' or ',
    'final answer is',
  ),
  fc.string({ maxLength: 8 }),
);
const hostileText = fc
  .tuple(fc.array(hostilePiece, { maxLength: 300 }), fc.integer({ min: 1, max: 40 }))
  .map(([pieces, repeat]) => pieces.join('').repeat(repeat));

describe('math_answer properties on hostile text', () => {
  it('never throws and always answers within the bound', () => {
    fc.assert(
      fc.property(hostileText, fc.constantFrom('5', 'x+1', '1/2', '(1, 2)', 'yes'), (prediction, reference) => {
        const elapsed = timed(() => {
          const result = judge.judgeText({ prediction: `\\boxed{${prediction}}`, reference });
          expect([0, 1]).toContain(result.rawReward);
          judge.judgeText({ prediction, reference, fromFinalAnswer: true });
          answersEquivalent({ prediction, reference });
          answersEquivalent({ prediction: reference, reference: prediction });
          extractAnswer(prediction);
        });
        expect(elapsed).toBeLessThan(boundMs);
      }),
      { numRuns: 300 },
    );
  });
});
