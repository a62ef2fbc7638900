import { fileURLToPath } from 'node:url';
import type { PluginContext } from '@ajet/spec';
import { describe, expect, it } from 'vitest';
import { MathAnswerJudge } from './math-answer-judge.ts';
import { runJudgeCommand } from './run-judge-command.ts';

const context: PluginContext = {
  configDir: '.',
  config: {},
  load: () => Promise.reject(new Error('no loader in this test')),
};
/** `math_answer` as the plugin loader builds it: settings through the class's schema. */
const mathAnswer = (settings: unknown = {}) => new MathAnswerJudge(MathAnswerJudge.settings.parse(settings), context);

const fixture = (name: string): string => fileURLToPath(new URL(`./__fixtures__/${name}`, import.meta.url));

async function collect(lines: AsyncIterable<string>): Promise<unknown[]> {
  const verdicts: unknown[] = [];
  for await (const line of lines) verdicts.push(JSON.parse(line));
  return verdicts;
}

describe('runJudgeCommand', () => {
  it('prints one verdict per case', async () => {
    const verdicts = await collect(runJudgeCommand({ judge: mathAnswer(), casesFile: fixture('cases.jsonl') }));
    expect(verdicts).toMatchObject([
      { isSuccess: true, rawReward: 1, details: { prediction: '1,000', reason: 'numeric_equal' } },
      { isSuccess: false, rawReward: 0, details: { normalizedReference: '19' } },
      { isSuccess: false, rawReward: 0 },
    ]);
  });

  it('applies settings: a tolerance to non-integers, never to two whole numbers', async () => {
    const verdicts = await collect(
      runJudgeCommand({ judge: mathAnswer({ tolerance_absolute: 1 }), casesFile: fixture('tolerance-cases.jsonl') }),
    );
    expect(verdicts).toMatchObject([
      { isSuccess: true },
      { isSuccess: false, details: { reason: 'numeric_different' } },
    ]);
  });

  it('names the file and line of a bad case', async () => {
    await expect(
      collect(runJudgeCommand({ judge: mathAnswer(), casesFile: fixture('bad-cases.jsonl') })),
    ).rejects.toThrow(/bad-cases\.jsonl row 2: not a judge case/);
  });

  it('reports a missing cases file', async () => {
    await expect(
      collect(runJudgeCommand({ judge: mathAnswer(), casesFile: fixture('missing.jsonl') })),
    ).rejects.toMatchObject({
      code: 'JUDGE_CASES_MISSING',
    });
  });
});
