// math_answer vs exact string comparison (what the Python framework does), side by side on GSM8K answers.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { MathAnswerJudge, referenceFromSolution } from '../src/index.ts';

const row = z.object({ answer: z.string() });
const references = readFileSync(new URL('../../../../shared/data/gsm8k/train.jsonl', import.meta.url), 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => referenceFromSolution(row.parse(JSON.parse(line)).answer));
const predictions = references.map((reference, index) =>
  index % 2 === 0 ? `So the total is \\boxed{${reference}}` : `The answer is $${reference}.`,
);
const judge = new MathAnswerJudge(MathAnswerJudge.settings.parse({}));

function timeIt(label: string, judgeOne: (prediction: string, reference: string) => boolean): number {
  let correct = 0;
  const started = performance.now();
  for (let round = 0; round < 3; round += 1) {
    for (const [index, reference] of references.entries()) {
      if (judgeOne(predictions[index] ?? '', reference)) correct += 1;
    }
  }
  const perCaseUs = ((performance.now() - started) * 1000) / (3 * references.length);
  console.log(
    `${label}: ${perCaseUs.toFixed(2)} µs/case, judged correct ${((100 * correct) / (3 * references.length)).toFixed(1)}%`,
  );
  return perCaseUs;
}

const exact = timeIt('exact string match', (prediction, reference) => prediction.trim() === reference.trim());
const math = timeIt('math_answer', (prediction, reference) => judge.judgeText({ prediction, reference }).isSuccess);
console.log(`math_answer / exact: ${(math / exact).toFixed(0)}x the time per case`);
