import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EpisodeRecord } from '@ajet/spec';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAjet } from './helpers/run-ajet.ts';
import { type ScriptedChatServer, startScriptedChatServer } from './helpers/scripted-chat-server.ts';

let model: ScriptedChatServer;
beforeAll(async () => {
  model = await startScriptedChatServer({ delayMs: 20 });
});
afterAll(() => model?.close());

interface Part {
  judge: string;
  rawReward: number;
  details: { violations?: { kind: string }[] };
}

function episodes(dir: string): EpisodeRecord[] {
  return readFileSync(join(dir, 'trajectories', 'eval-step-0.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as EpisodeRecord);
}

describe('the math agent tutorial, played by a scripted model', () => {
  it.each([
    ['solve', 1, []],
    ['no-print', 0.96, ['empty_tool_output']],
    ['early-answer', 0.94, ['answer_with_tool_call']],
    ['malformed', 0.96, ['malformed_tool_call']],
  ] as const)('%s: reward %d, tool_discipline finds %j', async (behaviour, reward, violations) => {
    const dir = join(mkdtempSync(join(tmpdir(), 'ajet-math-')), 'run');
    const run = await runAjet([
      '--conf',
      'tutorial/example_math_agent/math_agent_local.yaml',
      '--mode',
      'eval',
      '--set',
      `model.endpoint.base_url=${model.baseUrl}`,
      '--set',
      `model.endpoint.model=scripted-${behaviour}`,
      // The local variant has no validation split: evaluate on the first two train rows.
      '--set',
      'task_reader.dataset_file.validation.file_path=../../../shared/data/gsm8k/train.jsonl',
      '--set',
      'debug.debug_first_n_tasks=2',
      '--experiment-dir',
      dir,
    ]);
    expect(run.code, run.stderr).toBe(0);
    const records = episodes(dir);
    // Each task twice: the sampled episode (val_pass_n 1) and the greedy one.
    expect(records).toHaveLength(4);
    for (const record of records) {
      expect(record.reward).toBeCloseTo(reward, 6);
      expect(record.isSuccess).toBe(true);
      const parts = (record.judgeDetails as { parts: Part[] }).parts;
      expect(parts.find((part) => part.judge === 'math_answer')?.rawReward).toBe(1);
      expect(parts.find((part) => part.judge === 'tool_discipline')?.details.violations?.map((v) => v.kind)).toEqual(
        violations,
      );
    }
    // The Python really ran in the sandbox: the tool message carries what the code printed.
    if (behaviour === 'solve') {
      const tool = records[0]?.messages.find((message) => message.role === 'tool');
      expect(JSON.parse(tool?.content ?? '{}')).toMatchObject({ stdout: '72\n', returncode: 0 });
    }
  });
});

describe('the AIME 2024 eval recipe', () => {
  it('samples k answers per problem, many in flight, and reports pass@1 <= pass@k', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'ajet-eval-')), 'run');
    const before = model.requests.length;
    const run = await runAjet([
      '--conf',
      'tutorial/example_eval/aime2024.yaml',
      '--mode',
      'eval',
      '--set',
      `model.endpoint.base_url=${model.baseUrl}`,
      '--set',
      'model.endpoint.model=scripted-coin',
      '--set',
      'trainer_common.val_pass_n=4',
      '--set',
      'debug.debug_first_n_tasks=8',
      '--experiment-dir',
      dir,
    ]);
    expect(run.code, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, number>;
    const records = episodes(dir);
    expect(records).toHaveLength(32);
    expect(model.requests.length - before).toBe(32);
    expect(model.requests.slice(before).every((request) => request.temperature === 0.6)).toBe(true);
    const right = records.filter((record) => record.isSuccess);
    expect(summary['pass@1']).toBeCloseTo(right.length / 32, 9);
    const solved = new Set(right.map((record) => record.taskId));
    expect(summary['pass@k']).toBeCloseTo(solved.size / 8, 9);
    expect(summary).toMatchObject({ n: 8, k: 4 });
    expect(summary['pass@1']).toBeGreaterThan(0);
    expect(summary['pass@1']).toBeLessThan(summary['pass@k'] ?? 0);
    expect(model.maxInFlight()).toBeGreaterThan(4);
  });
});
