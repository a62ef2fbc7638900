import { describe, expect, it } from 'vitest';
import { answerRegion, extractAnswer, latexSpans, referenceFromSolution } from './extract-answer.ts';
import { MathAnswerJudge } from './math-answer-judge.ts';

describe('extractAnswer rules, in order', () => {
  it.each([
    ['\\boxed{1} final answer is 2 #### 3 answer is 4 $5$ 6', '1', 'boxed'],
    ['final answer is $2$. I hope it is correct. #### 3', '2', 'final_answer_is'],
    ['The final answer: 7, because of the above', '7', 'final_answer_is'],
    ['We get 3 apples.\n#### 3\n', '3', 'hashes'],
    ['the answer is 4. Then $5$ and 6', '4', 'answer_is'],
    ['Answer: \\(\\frac{1}{2}\\) or so', '\\frac{1}{2}', 'answer_is'],
    ['<answer>12</answer> and $13$', '12', 'answer_tag'],
    ['We have $x=2$ and later \\[ 5 \\] then 6', '5', 'latex'],
    ['It costs $9 per day and $2 per night, so 7', '7', 'last_number'],
    ['Nothing but 3 and then 4.', '4', 'last_number'],
  ])('%s -> %s (%s)', (text, answer, method) => {
    expect(extractAnswer(text)).toMatchObject({ text: answer, method });
  });

  it('runs the rules inside the last <answer> tag', () => {
    expect(extractAnswer('<answer>the answer is \\boxed{5}</answer>')).toMatchObject({ text: '5', method: 'boxed' });
    expect(extractAnswer('\\boxed{1} <answer>2</answer>')).toMatchObject({ text: '2', method: 'answer_tag' });
  });

  it('takes the first, last or all boxes', () => {
    const text = '\\boxed{1} then \\boxed{} then \\boxed{2}';
    expect(extractAnswer(text)?.text).toBe('2');
    expect(extractAnswer(text, { box: 'first' })?.text).toBe('1');
    expect(extractAnswer(text, { box: 'all' })?.text).toBe('1, 2');
    const all = new MathAnswerJudge(MathAnswerJudge.settings.parse({ box: 'all' }));
    expect(all.judgeText({ prediction: 'roots \\boxed{3} and \\boxed{-2}', reference: '-2, 3' }).isSuccess).toBe(true);
    expect(all.judgeText({ prediction: 'roots \\boxed{3} and \\boxed{-2}', reference: '3' }).isSuccess).toBe(false);
  });

  it('searches only after </think>, and finds nothing while a <think> is open', () => {
    expect(answerRegion('<think>5</think> 7')).toEqual({ text: ' 7', afterThink: true, unclosedThink: false });
    expect(answerRegion('<think>5')).toEqual({ text: '', afterThink: false, unclosedThink: true });
    expect(extractAnswer('<think>\\boxed{5}</think> so 7')).toMatchObject({ text: '7', afterThink: true });
    const judge = new MathAnswerJudge(MathAnswerJudge.settings.parse({}));
    expect(judge.judgeText({ prediction: '<think>\\boxed{5}', reference: '5' }).details).toMatchObject({
      reason: 'no_prediction',
      unclosedThink: true,
    });
  });

  it('searches only the last 200,000 characters of a reply', () => {
    const prose = 'We keep thinking. '.repeat(20_000);
    expect(extractAnswer(`${prose}\\boxed{9}`)).toMatchObject({ text: '9', method: 'boxed' });
    expect(extractAnswer(`\\boxed{9} ${prose} and 4`)).toMatchObject({ text: '4', method: 'last_number' });
  });

  it('uses the whole finalAnswer only after the anchored rules', () => {
    expect(extractAnswer('1/2', { wholeTextFallback: true })).toMatchObject({ text: '1/2', method: 'whole_text' });
    expect(extractAnswer('$\\frac12$', { wholeTextFallback: true })).toMatchObject({ method: 'latex' });
  });
});

describe('latexSpans', () => {
  it('finds every kind of span in order and skips escaped dollars and prose', () => {
    expect(latexSpans('a $1$ b $$2$$ c \\[3\\] d \\(4\\) e \\$5 f $6$')).toEqual(['1', '2', '3', '4', '6']);
    expect(latexSpans('costs $9 per day and $2 per night, so $x+1$')).toEqual(['x+1']);
    expect(latexSpans('5$ and 6$ then $7$')).toEqual(['7']);
    expect(latexSpans('$\\text{Yes}$')).toEqual(['\\text{Yes}']);
  });

  it('is linear on unclosed openers', () => {
    for (const text of ['\\['.repeat(200_000), '$$'.repeat(1), `${'$\n'.repeat(200_000)}`, '\\('.repeat(200_000)]) {
      const start = performance.now();
      latexSpans(text);
      expect(performance.now() - start).toBeLessThan(500);
    }
  });
});

describe('referenceFromSolution', () => {
  it('reads a GSM8K solution, a MATH solution and a plain answer', () => {
    expect(referenceFromSolution('She sold 24 clips.\n#### 72')).toBe('72');
    expect(referenceFromSolution('So $x = \\boxed{\\frac{1}{2}}$.')).toBe('\\frac{1}{2}');
    expect(referenceFromSolution(' 3554144.0 ')).toBe('3554144.0');
  });
});
