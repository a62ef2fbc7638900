import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runJudgeCommand } from './run-judge-command.ts';

const fixture = (name: string): string => fileURLToPath(new URL(`./__fixtures__/${name}`, import.meta.url));

async function collect(lines: AsyncIterable<string>): Promise<unknown[]> {
  const verdicts: unknown[] = [];
  for await (const line of lines) verdicts.push(JSON.parse(line));
  return verdicts;
}

describe('runJudgeCommand', () => {
  it('prints one verdict per case', async () => {
    const verdicts = await collect(runJudgeCommand({ name: 'math_answer', casesFile: fixture('cases.jsonl') }));
    expect(verdicts).toMatchObject([
      { isSuccess: true, rawReward: 1, details: { prediction: '1,000', reason: 'numeric_equal' } },
      { isSuccess: false, rawReward: 0, details: { normalizedReference: '19' } },
      { isSuccess: false, rawReward: 0 },
    ]);
  });

  it('applies settings: a tolerance to non-integers, never to two whole numbers', async () => {
    const verdicts = await collect(
      runJudgeCommand({
        name: 'math_answer',
        casesFile: fixture('tolerance-cases.jsonl'),
        settings: { tolerance_absolute: 1 },
      }),
    );
    expect(verdicts).toMatchObject([
      { isSuccess: true },
      { isSuccess: false, details: { reason: 'numeric_different' } },
    ]);
  });

  it('names the file and line of a bad case', async () => {
    await expect(
      collect(runJudgeCommand({ name: 'math_answer', casesFile: fixture('bad-cases.jsonl') })),
    ).rejects.toThrow(/bad-cases\.jsonl row 2: not a judge case/);
  });

  it('rejects unknown judges and bad settings', async () => {
    await expect(collect(runJudgeCommand({ name: 'nope', casesFile: fixture('cases.jsonl') }))).rejects.toThrow(
      /Unknown judge "nope"/,
    );
    await expect(
      collect(runJudgeCommand({ name: 'math_answer', casesFile: fixture('cases.jsonl'), settings: { boxx: 1 } })),
    ).rejects.toMatchObject({ code: 'JUDGE_BAD_SETTINGS' });
  });

  it('reports a missing cases file', async () => {
    await expect(
      collect(runJudgeCommand({ name: 'math_answer', casesFile: fixture('missing.jsonl') })),
    ).rejects.toMatchObject({
      code: 'JUDGE_CASES_MISSING',
    });
  });
});
