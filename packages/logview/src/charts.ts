import type { ChartSpec, MetricsRow } from './report-data.ts';

const BLUE = '#2563eb';
const GREEN = '#16a34a';
const ORANGE = '#ea580c';
const GREY = '#64748b';

/** The latest row per step of one phase, in step order (a resumed run may have rewritten a step). */
function rowsOf(metrics: readonly MetricsRow[], phases: readonly string[]): MetricsRow[] {
  const byStep = new Map<number, MetricsRow>();
  for (const row of metrics) if (phases.includes(row.phase)) byStep.set(row.step, row);
  return [...byStep.values()].sort((left, right) => left.step - right.step);
}

function column(rows: readonly MetricsRow[], name: string): (number | null)[] {
  return rows.map((row) => {
    const value = row.metrics[name];
    return typeof value === 'number' && Number.isFinite(value) ? value : null;
  });
}

/** A run's validation rows, as core's runtime/validation.ts names them: the main split's and each extra set's. */
function validationSetNames(rows: readonly MetricsRow[]): (string | null)[] {
  const names = new Set<string | null>();
  for (const row of rows) {
    const prefix = `${row.phase}/`;
    for (const name of Object.keys(row.metrics)) {
      if (name === `${prefix}n`) names.add(null);
      const set = /^[^/]+\/([^/]+)\/n$/.exec(name)?.[1];
      if (set) names.add(set);
    }
  }
  return [...names].sort((left, right) => (left === null ? -1 : right === null ? 1 : left.localeCompare(right)));
}

/**
 * One chart per validation set: greedy pass@1, sampled pass@1 and (k > 1) sampled pass@k. A run written before
 * validation split greedy from sampled (`val/pass@1`, `val/pass@k`) gets its one pass@1/pass@k chart.
 */
function validationCharts(validation: readonly MetricsRow[]): ChartSpec[] {
  const x = validation.map((row) => row.step);
  const pick = (name: string) =>
    validation.map((row) => {
      const value = row.metrics[`${row.phase}/${name}`];
      return typeof value === 'number' && Number.isFinite(value) ? value : null;
    });
  const sets = validationSetNames(validation);
  if (!sets.some((set) => set === null) && validation.some((row) => `${row.phase}/pass@1` in row.metrics)) {
    const k = validation.map((row) => row.metrics[`${row.phase}/k`]).find((value) => typeof value === 'number');
    return [
      {
        id: 'pass',
        // With one episode per task pass@k is pass@1: one line.
        title: k === 1 ? 'Validation pass@1' : `Validation pass@1 / pass@${k ?? 'k'}`,
        x,
        series: [
          { label: 'pass@1', values: pick('pass@1'), color: ORANGE },
          ...(k === 1 ? [] : [{ label: `pass@${k ?? 'k'}`, values: pick('pass@k'), color: GREEN }]),
        ],
      },
    ];
  }
  if (sets.length === 0) sets.push(null);
  return sets.map((set): ChartSpec => {
    const prefix = set === null ? '' : `${set}/`;
    const k = pick(`${prefix}sampled/k`).find((value) => value !== null) ?? 1;
    const temperature = pick(`${prefix}sampled/temperature`).find((value) => value !== null);
    const greedy = pick(`${prefix}greedy/pass@1`);
    return {
      id: set === null ? 'pass' : `pass-${set}`,
      title: `Validation${set === null ? '' : ` ${set}`}: greedy pass@1, sampled${temperature === undefined ? '' : ` (T=${temperature})`} pass@1${k > 1 ? ` / pass@${k}` : ''}`,
      x,
      ...(set === null ? {} : { validationSet: set }),
      series: [
        ...(greedy.some((value) => value !== null) ? [{ label: 'greedy pass@1', values: greedy, color: ORANGE }] : []),
        { label: 'sampled pass@1', values: pick(`${prefix}sampled/pass@1`), color: BLUE },
        ...(k > 1 ? [{ label: `sampled pass@${k}`, values: pick(`${prefix}sampled/pass@k`), color: GREEN }] : []),
      ],
    };
  });
}

/** The report's charts: training reward mean ± std, success rate and tokens per step; validation per set. */
export function buildCharts(metrics: readonly MetricsRow[]): ChartSpec[] {
  const train = rowsOf(metrics, ['train']);
  const steps = train.map((row) => row.step);
  const mean = column(train, 'reward/mean');
  const std = column(train, 'reward/std');
  const upper = mean.map((value, index) => (value === null ? null : value + (std[index] ?? 0)));
  const lower = mean.map((value, index) => (value === null ? null : value - (std[index] ?? 0)));
  const validation = rowsOf(metrics, ['val', 'eval']);
  const charts: ChartSpec[] = [
    {
      id: 'reward',
      title: 'Reward (train, mean ± std)',
      x: steps,
      series: [
        { label: 'mean', values: mean, color: BLUE },
        { label: '+std', values: upper, color: BLUE, faint: true },
        { label: '−std', values: lower, color: BLUE, faint: true },
      ],
      band: [1, 2],
    },
    {
      id: 'success',
      title: 'Success rate (train)',
      x: steps,
      series: [{ label: 'success rate', values: column(train, 'success_rate'), color: GREEN }],
    },
    ...validationCharts(validation),
    {
      id: 'tokens',
      title: 'Tokens per step (train)',
      x: steps,
      series: [
        { label: 'sampled', values: column(train, 'tokens/sampled'), color: GREY },
        { label: 'trained', values: column(train, 'tokens/trained'), color: BLUE },
      ],
    },
  ];
  return charts;
}
