import type { MetricsRecord } from '@ajet/spec';
import { describe, expect, it } from 'vitest';
import { consoleObserver } from './console-observer.ts';

function validation(step: number, k: number, passAt1: number, passAtK: number): MetricsRecord {
  return {
    step,
    phase: 'val',
    metrics: {
      'val/k': k,
      'val/pass@1': passAt1,
      'val/pass@k': passAtK,
      'val/reward_mean': passAt1,
      'val/n': 20,
      'val/episodes_failed': 0,
    },
    time: 0,
  };
}

function linesFor(records: MetricsRecord[]): string[] {
  const lines: string[] = [];
  const observer = consoleObserver({ write: (line) => lines.push(line) });
  for (const record of records) observer.onMetrics?.(record);
  return lines;
}

describe('consoleObserver', () => {
  it('shows pass@1 once when validation samples one episode a task', () => {
    const lines = linesFor([validation(0, 1, 0.25, 0.25), validation(20, 1, 0.5, 0.5)]);
    expect(lines[0]).toBe('val @ step 0: pass@1 0.250 | reward 0.250 | 20 tasks | failed 0');
    for (const line of lines) expect(line.match(/pass@1/g)?.length ?? 0).toBeLessThanOrEqual(1);
    expect(lines.at(-3)?.trim().split(/\s+/)).toEqual(['step', 'pass@1', 'reward', 'tasks', 'failed']);
    expect(lines.at(-1)?.trim().split(/\s+/)).toEqual(['20', '0.500', '0.500', '20', '0']);
  });

  it('adds pass@k beside pass@1 when validation samples k > 1 episodes a task', () => {
    const lines = linesFor([validation(0, 4, 0.25, 0.75)]);
    expect(lines[0]).toBe('val @ step 0: pass@1 0.250 | pass@4 0.750 | reward 0.250 | 20 tasks | failed 0');
    expect(lines[1]?.trim().split(/\s+/)).toEqual(['step', 'pass@1', 'pass@4', 'reward', 'tasks', 'failed']);
    expect(lines[2]?.trim().split(/\s+/)).toEqual(['0', '0.250', '0.750', '0.250', '20', '0']);
  });

  describe('rollout errors', () => {
    const error = {
      kind: 'judge' as const,
      message: 'judge broke (at my_judge.ts:10:30)',
      taskTag: 'T1#R0',
      episodeId: 'e1',
      stack: 'Error: judge broke\n    at MyJudge.computeReward (/home/me/my_judge.ts:10:30)',
    };

    it('prints one line per failed episode, without the stack', () => {
      const lines: string[] = [];
      consoleObserver({ write: (line) => lines.push(line) }).onRolloutError?.(error);
      expect(lines).toEqual(['ajet: episode T1#R0 failed (judge): judge broke (at my_judge.ts:10:30)']);
    });

    it('prints the stack under the line with --verbose', () => {
      const lines: string[] = [];
      consoleObserver({ write: (line) => lines.push(line), verbose: true }).onRolloutError?.(error);
      expect(lines).toEqual([
        'ajet: episode T1#R0 failed (judge): judge broke (at my_judge.ts:10:30)',
        '    at MyJudge.computeReward (/home/me/my_judge.ts:10:30)',
      ]);
    });
  });
});
