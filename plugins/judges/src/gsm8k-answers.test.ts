import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { referenceFromSolution } from './extract-answer.ts';
import { MathAnswerJudge } from './math-answer-judge.ts';

const trainFile = fileURLToPath(new URL('../../../../shared/data/gsm8k/train.jsonl', import.meta.url));
const row = z.object({ question: z.string(), answer: z.string() });
const solutions = readFileSync(trainFile, 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => row.parse(JSON.parse(line)).answer);

function withCommas(value: string): string {
  const [whole = '', fraction] = value.split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return fraction === undefined ? grouped : `${grouped}.${fraction}`;
}

function renderings(answer: string): string[] {
  const forms = [...new Set([answer, withCommas(answer)])];
  return forms.flatMap((form) => [
    `Adding these up gives the total.\n\\boxed{${form}}`,
    `Step by step we get it.\n#### ${form}`,
    `So we are done. The answer is $${form}.`,
  ]);
}

function perturbations(answer: string): string[] {
  const value = Number(answer.replace(/,/g, ''));
  const results = [value + 1, value - 1];
  if (value !== 0) results.push(value * 10);
  return results.map((number) => String(Number(number.toPrecision(12))));
}

describe('math_answer on every GSM8K training answer', () => {
  const judge = new MathAnswerJudge(MathAnswerJudge.settings.parse({}));

  it(`reads ${solutions.length} references, all numeric`, () => {
    expect(solutions.length).toBeGreaterThan(7000);
    for (const solution of solutions) expect(referenceFromSolution(solution)).toMatch(/^-?[\d,]*\.?\d+$/);
  });

  it('judges every rendering of the right answer correct', () => {
    const failures: string[] = [];
    for (const solution of solutions) {
      const answer = referenceFromSolution(solution).replace(/,/g, '');
      for (const prediction of renderings(answer)) {
        if (!judge.judgeText({ prediction, reference: solution }).isSuccess) failures.push(`${answer}: ${prediction}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('judges every rendering of a perturbed answer (±1, ×10) wrong', () => {
    const failures: string[] = [];
    for (const solution of solutions) {
      const answer = referenceFromSolution(solution).replace(/,/g, '');
      for (const wrong of perturbations(answer)) {
        for (const prediction of renderings(wrong)) {
          if (judge.judgeText({ prediction, reference: solution }).isSuccess) failures.push(`${answer}: ${prediction}`);
        }
      }
    }
    expect(failures).toEqual([]);
  });
});
