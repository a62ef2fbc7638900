// math_answer now against math_answer before issue 24 (a frozen copy of the judge at 9a33c86 under
// plugins/judges/bench/baseline/), in the same process: agreement with the expected verdicts by category
// (plugins/judges/src/__fixtures__/math-answer-cases.jsonl), then cases/s and p50/p99 latency per judge call on
// those cases, on GSM8K references in three renderings, and on 20 KB model replies.
// `pnpm bench math-answer` (about 20 s on 2 cores). Target: a 20 KB reply judged in under 5 ms p99.
import { existsSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { MathAnswerJudge, referenceFromSolution } from '@ajet/judges';
import { z } from 'zod';
import { MathAnswerJudge as BaselineJudge } from '../plugins/judges/bench/baseline/math-answer-judge.ts';

interface Case {
  category: string;
  prediction: string;
  reference: string;
  expected?: boolean;
}
type JudgeOne = (prediction: string, reference: string) => boolean;

const caseRow = z.object({
  category: z.string(),
  prediction: z.string(),
  reference: z.string(),
  expected: z.boolean(),
});
const readLines = (file: string): unknown[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as unknown);

const casesFile = fileURLToPath(new URL('../plugins/judges/src/__fixtures__/math-answer-cases.jsonl', import.meta.url));
const categoryCases: Case[] = readLines(casesFile).map((line) => caseRow.parse(line));

const gsm8kFile = fileURLToPath(new URL('../../shared/data/gsm8k/train.jsonl', import.meta.url));
const gsm8kCases: Case[] = existsSync(gsm8kFile)
  ? readLines(gsm8kFile)
      .slice(0, 2000)
      .map((line) => referenceFromSolution(z.object({ answer: z.string() }).parse(line).answer))
      .map((reference, index) => ({
        category: 'gsm8k',
        reference,
        prediction: [
          `So the total is \\boxed{${reference}}`,
          `The answer is $${reference}.`,
          `Step by step.\n#### ${reference}`,
        ][index % 3] as string,
        expected: true,
      }))
  : [];

/** A 20 KB reply as a reasoning model writes it: prose, numbers, inline math, then the answer. */
function longReply(ending: string, seed: number): string {
  const sentences = [
    `We have ${seed % 97} apples and $\\frac{${seed % 13}}{7}$ of a pie, so $x = ${seed % 31}$.`,
    `Check: $${seed % 50} + ${seed % 17} = ${(seed % 50) + (seed % 17)}$, and \\(y^2 = ${seed % 9}\\).`,
    `It costs $${seed % 40} per day and $3 per night, so the answer may be ${seed % 11}.`,
    `Let me think again about the interval $[0, ${seed % 7})$ and the set \\{1, 2\\}.`,
  ];
  let text = '';
  for (let index = 0; text.length < 20_000; index += 1) text += `${sentences[index % sentences.length]} `;
  return text.slice(0, 20_000 - ending.length) + ending;
}
const endings: Array<[string, string]> = [
  ['So the final answer is \\boxed{\\frac{3}{4}}.', '0.75'],
  ['The final answer is $42$. I hope it is correct.', '42'],
  ['</think> The answer is 1,250.', '1250'],
  [
    'Therefore \\[ \\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix} \\]',
    '\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}',
  ],
  ['#### 17', '17'],
  ['and that gives 9', '9'],
];
const longCases: Case[] = Array.from({ length: 60 }, (_, index) => {
  const [ending, reference] = endings[index % endings.length] as [string, string];
  const prediction = longReply(ending, index * 7919);
  return {
    category: 'long_20kb',
    prediction: ending.startsWith('</think>') ? `<think>${prediction}` : prediction,
    reference,
  };
});

const current = new MathAnswerJudge(MathAnswerJudge.settings.parse({}));
const baseline = new BaselineJudge(BaselineJudge.settings.parse({}));
const judges: Array<[string, JudgeOne]> = [
  ['before (9a33c86)', (prediction, reference) => baseline.judgeText({ prediction, reference }).isSuccess],
  ['now', (prediction, reference) => current.judgeText({ prediction, reference }).isSuccess],
];

function agreement(judgeOne: JudgeOne, cases: Case[]): Map<string, [number, number]> {
  const byCategory = new Map<string, [number, number]>();
  for (const entry of cases) {
    const counts = byCategory.get(entry.category) ?? [0, 0];
    counts[1] += 1;
    if (judgeOne(entry.prediction, entry.reference) === entry.expected) counts[0] += 1;
    byCategory.set(entry.category, counts);
  }
  return byCategory;
}

function percentile(sorted: number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? 0;
}

interface Timing {
  perSecond: number;
  wallP50: number;
  wallP99: number;
  cpuP99: number;
}

/** Wall time per call, and CPU time per call (process.cpuUsage, µs): on a loaded machine the wall tail is mostly waiting for a core. */
function time(judgeOne: JudgeOne, cases: Case[], rounds: number): Timing {
  for (const entry of cases.slice(0, 50)) judgeOne(entry.prediction, entry.reference);
  const wall: number[] = [];
  const cpu: number[] = [];
  const started = performance.now();
  for (let round = 0; round < rounds; round += 1) {
    for (const entry of cases) {
      const cpuStart = process.cpuUsage();
      const start = performance.now();
      judgeOne(entry.prediction, entry.reference);
      wall.push(performance.now() - start);
      const used = process.cpuUsage(cpuStart);
      cpu.push((used.user + used.system) / 1000);
    }
  }
  const elapsedMs = performance.now() - started;
  wall.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  return {
    perSecond: (1000 * wall.length) / elapsedMs,
    wallP50: percentile(wall, 0.5),
    wallP99: percentile(wall, 0.99),
    cpuP99: percentile(cpu, 0.99),
  };
}

console.log(
  `agreement with the expected verdicts (${categoryCases.length} cases${gsm8kCases.length ? ` + ${gsm8kCases.length} GSM8K` : ''}):`,
);
const agreements = judges.map(([, judgeOne]) => agreement(judgeOne, [...categoryCases, ...gsm8kCases]));
const categories = [...(agreements[1]?.keys() ?? [])];
console.log(`  ${'category'.padEnd(26)} ${judges.map(([label]) => label.padStart(18)).join(' ')}`);
for (const category of [...categories, 'total']) {
  const cells = agreements.map((byCategory) => {
    const [right, all] =
      category === 'total'
        ? [...byCategory.values()].reduce(([a, b], [c, d]) => [a + c, b + d], [0, 0])
        : (byCategory.get(category) ?? [0, 0]);
    return `${right}/${all}`.padStart(18);
  });
  console.log(`  ${category.padEnd(26)} ${cells.join(' ')}`);
}

const suites: Array<[string, Case[], number]> = [
  ['category cases', categoryCases, 20],
  ['GSM8K renderings', gsm8kCases, 3],
  ['20 KB replies', longCases, 20],
];
console.log(
  `\nper judge call, ms (${cpus().length} cores, load average ${loadavg()[0]?.toFixed(1)}; CPU p99 is the judge's own time):`,
);
for (const [label, cases, rounds] of suites) {
  if (cases.length === 0) continue;
  for (const [judgeLabel, judgeOne] of judges) {
    const timing = time(judgeOne, cases, rounds);
    console.log(
      `  ${label.padEnd(18)} ${judgeLabel.padEnd(17)} ${timing.perSecond.toFixed(0).padStart(7)} cases/s  wall p50 ${timing.wallP50.toFixed(3)}  p99 ${timing.wallP99.toFixed(3)}  CPU p99 ${timing.cpuP99.toFixed(3)}`,
    );
  }
}
