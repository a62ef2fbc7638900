import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildCharts } from './charts.ts';
import {
  assertExperimentDir,
  parseMetrics,
  parseTrajectories,
  readExperimentIndex,
  readTrajectoryFile,
  trajectoryFile,
} from './read-experiment.ts';

const trainRow = (step: number, reward: number) =>
  JSON.stringify({
    step,
    phase: 'train',
    time: 1000 + step,
    metrics: {
      'reward/mean': reward,
      'reward/std': 0.5,
      success_rate: reward,
      'tokens/sampled': 100 * step,
      'tokens/trained': 10 * step,
    },
  });
const valRow = (step: number, pass: number) =>
  JSON.stringify({ step, phase: 'val', time: 1, metrics: { 'val/pass@1': pass, 'val/pass@k': pass, 'val/k': 4 } });

const episodeRow = (step: number, id: string, reward: number) =>
  JSON.stringify({
    step,
    split: 'train',
    episodeId: id,
    taskId: '1',
    taskTag: 'T1#R0',
    repeatIndex: 0,
    reward,
    isSuccess: reward > 0,
    advantage: 0,
    trained: true,
    messages: [{ role: 'user', content: 'hi' }],
    sequences: [{ tokenIds: [1, 2, 3], lossMask: [0, 1, 1], logprobs: [0, -0.2, -0.3] }],
    calls: [],
    durationMs: 5,
  });

function experiment(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'ajet-logview-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

describe('parseMetrics', () => {
  it('reads rows, keeps NaN-as-null metrics, and names skipped rows', () => {
    const text = [trainRow(1, 0.5), '{not json', JSON.stringify({ step: 'x', phase: 'train', metrics: {} }), ''].join(
      '\n',
    );
    const parsed = parseMetrics(
      `${text}${JSON.stringify({ step: 2, phase: 'train', metrics: { loss: null } })}\n`,
      'm.jsonl',
    );
    expect(parsed.rows.map((row) => row.step)).toEqual([1, 2]);
    expect(parsed.rows[1]?.metrics.loss).toBeNull();
    expect(parsed.warnings).toEqual([
      'm.jsonl row 2: not JSON; skipped',
      'm.jsonl row 3: step: Invalid input: expected number, received string; skipped',
    ]);
  });

  it('ignores a last line still being written', () => {
    const parsed = parseMetrics(`${trainRow(1, 1)}\n{"step": 2, "pha`);
    expect(parsed.rows).toHaveLength(1);
    expect(parsed.warnings).toEqual([]);
  });
});

describe('parseTrajectories', () => {
  it('turns episode lines into views and skips lines without the required fields', () => {
    const parsed = parseTrajectories(`${episodeRow(1, 'a', 1)}\n${JSON.stringify({ step: 1 })}\n`, 'step-1.jsonl');
    expect(parsed.rows.map((row) => row.episodeId)).toEqual(['a']);
    expect(parsed.rows[0]?.trainedTokens).toBe(2);
    expect(parsed.rows[0]?.sequences[0]?.kinds).toBe('pss');
    expect(parsed.warnings).toHaveLength(1);
    expect(parsed.warnings[0]).toMatch(/^step-1\.jsonl row 2: episodeId: /);
  });
});

describe('trajectoryFile', () => {
  it('knows train, validation and eval names and nothing else', () => {
    expect(trajectoryFile('step-12')).toEqual({ name: 'step-12', step: 12, phase: 'train' });
    expect(trajectoryFile('val-step-0')).toEqual({ name: 'val-step-0', step: 0, phase: 'val' });
    expect(trajectoryFile('eval-step-3')?.phase).toBe('eval');
    expect(trajectoryFile('val-heldout_csv-step-60')).toEqual({
      name: 'val-heldout_csv-step-60',
      step: 60,
      phase: 'val',
      set: 'heldout_csv',
    });
    expect(trajectoryFile('val-../x-step-1')).toBeUndefined();
    expect(trajectoryFile('../step-1')).toBeUndefined();
    expect(trajectoryFile('step-1.jsonl')).toBeUndefined();
  });
});

describe('buildCharts', () => {
  it('gives one point per training step, the last row of a step winning, and validation points apart', () => {
    const metrics = parseMetrics(
      [valRow(0, 0.2), trainRow(1, 0.1), trainRow(2, 0.3), trainRow(2, 0.4), trainRow(3, 0.6), valRow(3, 0.7), ''].join(
        '\n',
      ),
    ).rows;
    const charts = Object.fromEntries(buildCharts(metrics).map((chart) => [chart.id, chart]));
    expect(charts.reward?.x).toEqual([1, 2, 3]);
    expect(charts.reward?.series[0]?.values).toEqual([0.1, 0.4, 0.6]);
    expect(charts.reward?.series[1]?.values[2]).toBeCloseTo(1.1);
    expect(charts.reward?.series[2]?.values[2]).toBeCloseTo(0.1);
    expect(charts.pass?.x).toEqual([0, 3]);
    expect(charts.pass?.title).toBe('Validation pass@1 / pass@4');
    const single = buildCharts(parseMetrics(`${valRow(0, 0.5).replace('"val/k":4', '"val/k":1')}\n`).rows);
    expect(single.find((chart) => chart.id === 'pass')?.series.map((series) => series.label)).toEqual(['pass@1']);
    expect(charts.tokens?.series.map((series) => series.values)).toEqual([
      [100, 200, 300],
      [10, 20, 30],
    ]);
  });
});

describe('buildCharts with greedy and sampled validation', () => {
  /** A validation row as core's runtime/validation.ts writes it, with the extra set `heldout`. */
  const row = (step: number, greedy: number, sampled: number) =>
    JSON.stringify({
      step,
      phase: 'val',
      time: 1,
      metrics: {
        'val/n': 200,
        'val/greedy/pass@1': greedy,
        'val/sampled/pass@1': sampled,
        'val/sampled/pass@k': sampled,
        'val/sampled/k': 1,
        'val/sampled/temperature': 0.9,
        'val/heldout/n': 174,
        'val/heldout/greedy/pass@1': greedy / 2,
        'val/heldout/sampled/pass@1': sampled / 2,
        'val/heldout/sampled/pass@k': sampled / 2,
        'val/heldout/sampled/k': 1,
        'val/heldout/sampled/temperature': 0.9,
      },
    });

  it('draws one chart per validation set, greedy and sampled pass@1 apart', () => {
    const charts = buildCharts(parseMetrics(`${row(0, 0.8, 0.4)}\n${row(20, 0.9, 0.6)}\n`).rows);
    const pass = charts.find((chart) => chart.id === 'pass');
    const heldout = charts.find((chart) => chart.id === 'pass-heldout');
    expect(pass?.title).toBe('Validation: greedy pass@1, sampled (T=0.9) pass@1');
    expect(pass?.series.map((series) => [series.label, series.values])).toEqual([
      ['greedy pass@1', [0.8, 0.9]],
      ['sampled pass@1', [0.4, 0.6]],
    ]);
    expect(heldout?.title).toBe('Validation heldout: greedy pass@1, sampled (T=0.9) pass@1');
    expect(heldout?.validationSet).toBe('heldout');
    expect(heldout?.series.map((series) => series.values)).toEqual([
      [0.4, 0.45],
      [0.2, 0.3],
    ]);
    expect(charts.map((chart) => chart.id)).toEqual(['reward', 'success', 'pass', 'pass-heldout', 'tokens']);
  });
});

describe('reading a folder', () => {
  it('lists trajectory files in step order and reads one', async () => {
    const dir = experiment({
      'metrics.jsonl': `${trainRow(1, 1)}\n${trainRow(2, 0)}\n`,
      'trajectories/step-2.jsonl': `${episodeRow(2, 'b', 0)}\n`,
      'trajectories/step-10.jsonl': `${episodeRow(10, 'c', 1)}\n`,
      'trajectories/val-step-2.jsonl': '',
      'trajectories/notes.txt': 'ignored',
    });
    const index = await readExperimentIndex(dir);
    expect(index.trajectories.map((file) => file.name)).toEqual(['step-2', 'val-step-2', 'step-10']);
    expect(index.charts.find((chart) => chart.id === 'reward')?.x).toEqual([1, 2]);
    const episodes = await readTrajectoryFile(dir, 'step-2');
    expect(episodes.rows[0]?.filters).toEqual(['all', 'failed', 'zero-reward']);
    await expect(readTrajectoryFile(dir, '../metrics')).rejects.toThrow(/not a trajectory file name/);
  });

  it('changes its version when a step lands', async () => {
    const dir = experiment({ 'metrics.jsonl': `${trainRow(1, 1)}\n` });
    const before = await readExperimentIndex(dir);
    writeFileSync(join(dir, 'metrics.jsonl'), `${trainRow(1, 1)}\n${trainRow(2, 1)}\n`);
    expect((await readExperimentIndex(dir)).version).not.toBe(before.version);
  });

  it('refuses a folder without metrics.jsonl in one line naming it, unless waiting for a run', async () => {
    const dir = experiment({ 'config.yaml': 'ajet: {}' });
    expect(() => assertExperimentDir(dir)).toThrow(`${dir} is not an experiment folder (no metrics.jsonl).`);
    expect(() => assertExperimentDir(join(dir, 'missing'))).toThrow(/no such folder/);
    await expect(readExperimentIndex(dir)).rejects.toThrow(/saved_experiments/);
    expect((await readExperimentIndex(dir, { allowEmpty: true })).metrics).toEqual([]);
  });
});
