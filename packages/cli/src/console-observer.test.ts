import type { MetricsRecord } from '@ajet/spec';
import { describe, expect, it } from 'vitest';
import { consoleObserver } from './console-observer.ts';

/** A validation record as runtime/validation.ts writes it: the main set, and `heldout` when given. */
function validation(
  step: number,
  options: { k?: number; greedy?: number; sampled: number; sampledK?: number; heldout?: [number, number] },
): MetricsRecord {
  const k = options.k ?? 1;
  const set = (prefix: string, greedy: number | undefined, sampled: number, n: number) => ({
    [`${prefix}n`]: n,
    ...(greedy === undefined ? {} : { [`${prefix}greedy/pass@1`]: greedy, [`${prefix}greedy/episodes_failed`]: 0 }),
    [`${prefix}sampled/pass@1`]: sampled,
    [`${prefix}sampled/pass@k`]: options.sampledK ?? sampled,
    [`${prefix}sampled/k`]: k,
    [`${prefix}sampled/temperature`]: 0.9,
    [`${prefix}sampled/reward_mean`]: sampled,
    [`${prefix}sampled/episodes_failed`]: 1,
  });
  const heldout = options.heldout ? set('val/heldout/', options.heldout[0], options.heldout[1], 174) : {};
  return { step, phase: 'val', metrics: { ...set('val/', options.greedy, options.sampled, 200), ...heldout }, time: 0 };
}

function observe(records: MetricsRecord[]): { lines: string[]; end: () => string[] } {
  const lines: string[] = [];
  const observer = consoleObserver({ write: (line) => lines.push(line) });
  for (const record of records) observer.onMetrics?.(record);
  return {
    lines,
    end: () => {
      const before = lines.length;
      observer.onRunEnd?.({ steps: 60, experimentDir: '/tmp/run' });
      return lines.slice(before);
    },
  };
}

const cells = (line: string | undefined) => line?.trim().split(/\s{2,}/);

describe('consoleObserver', () => {
  it('prints greedy and sampled pass@1 and a table whose header says which is which', () => {
    const { lines } = observe([
      validation(0, { greedy: 0.975, sampled: 0.553 }),
      validation(20, { greedy: 0.935, sampled: 0.7 }),
    ]);
    expect(lines.at(-5)).toBe(
      'val @ step 20: greedy pass@1 0.935 | sampled (T=0.9) pass@1 0.700 | 200 tasks | failed 1',
    );
    expect(lines.at(-4)).toBe(
      '  validation (200 tasks): greedy = temperature 0, 1 episode a task; sampled = T=0.9, 1 episode a task',
    );
    expect(cells(lines.at(-3))).toEqual(['step', 'greedy pass@1', 'sampled pass@1', 'failed']);
    expect(cells(lines.at(-2))).toEqual(['0', '0.975', '0.553', '1']);
    expect(cells(lines.at(-1))).toEqual(['20', '0.935', '0.700', '1']);
  });

  it('adds sampled pass@k when validation samples k > 1 episodes a task', () => {
    const { lines } = observe([validation(0, { k: 4, greedy: 0.5, sampled: 0.25, sampledK: 0.75 })]);
    expect(lines[0]).toBe(
      'val @ step 0: greedy pass@1 0.500 | sampled (T=0.9) pass@1 0.250 | pass@4 0.750 | 200 tasks | failed 1',
    );
    expect(lines[1]).toContain('sampled = T=0.9, 4 episodes a task');
    expect(cells(lines[2])).toEqual(['step', 'greedy pass@1', 'sampled pass@1', 'sampled pass@4', 'failed']);
  });

  it('leaves greedy out when the run validated without it', () => {
    const { lines } = observe([validation(0, { sampled: 0.25 })]);
    expect(lines[0]).toBe('val @ step 0: sampled (T=0.9) pass@1 0.250 | 200 tasks | failed 1');
    expect(cells(lines[2])).toEqual(['step', 'sampled pass@1', 'failed']);
  });

  it('reports each extra validation set separately: its line and its table', () => {
    const { lines } = observe([validation(0, { greedy: 0.9, sampled: 0.5, heldout: [0.626, 0.333] })]);
    expect(lines).toContain(
      'val heldout @ step 0: greedy pass@1 0.626 | sampled (T=0.9) pass@1 0.333 | 174 tasks | failed 1',
    );
    expect(lines).toContain(
      '  heldout (174 tasks): greedy = temperature 0, 1 episode a task; sampled = T=0.9, 1 episode a task',
    );
    expect(lines.at(-1)?.trim().split(/\s+/)).toEqual(['0', '0.626', '0.333', '1']);
  });

  it('ends a run with one before → after line per validation set, greedy and sampled', () => {
    const { end } = observe([
      validation(0, { greedy: 0.975, sampled: 0.553, heldout: [0.626, 0.333] }),
      validation(20, { greedy: 0.9, sampled: 0.6, heldout: [0.6, 0.4] }),
      validation(60, { greedy: 0.955, sampled: 0.745, heldout: [0.563, 0.483] }),
    ]);
    expect(end()).toEqual([
      'ajet: validation before → after (step 0 → 60): greedy pass@1 0.975 → 0.955, sampled (T=0.9) pass@1 0.553 → 0.745',
      'ajet: heldout before → after (step 0 → 60): greedy pass@1 0.626 → 0.563, sampled (T=0.9) pass@1 0.333 → 0.483',
      'ajet: done after 60 steps; results in /tmp/run',
    ]);
  });

  it('prints no before → after line after a single validation', () => {
    const { end } = observe([validation(60, { greedy: 0.9, sampled: 0.5 })]);
    expect(end()).toEqual(['ajet: done after 60 steps; results in /tmp/run']);
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
  it('says how many of the PPO-ptx demonstrations each update trains, out of how many', () => {
    const lines: string[] = [];
    const observer = consoleObserver({ write: (line) => lines.push(line) });
    const start = {
      mode: 'train' as const,
      totalSteps: 120,
      trainTasks: 4000,
      validationTasks: 200,
      trainable: true,
      backbone: {} as never,
      policy: 'tinylm',
      experimentDir: '/tmp/run',
    };
    observer.onRunStart?.({ ...start, demonstrations: { total: 1086, perUpdate: 8 } });
    observer.onRunStart?.(start);
    expect(lines[0]).toBe(
      'ajet: training on 4000 tasks (200 validation), 120 steps with tinylm, each update also trains 8 of 1086 demonstrations with cross-entropy (algorithm.ptx)',
    );
    expect(lines[2]).toBe('ajet: training on 4000 tasks (200 validation), 120 steps with tinylm');
  });
});
