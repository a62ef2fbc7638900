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

/** The report's charts: training reward mean ± std, success rate and tokens per step; validation pass@1/pass@k. */
export function buildCharts(metrics: readonly MetricsRow[]): ChartSpec[] {
  const train = rowsOf(metrics, ['train']);
  const steps = train.map((row) => row.step);
  const mean = column(train, 'reward/mean');
  const std = column(train, 'reward/std');
  const upper = mean.map((value, index) => (value === null ? null : value + (std[index] ?? 0)));
  const lower = mean.map((value, index) => (value === null ? null : value - (std[index] ?? 0)));
  const validation = rowsOf(metrics, ['val', 'eval']);
  const k = validation.map((row) => row.metrics[`${row.phase}/k`]).find((value) => typeof value === 'number');
  const passColumn = (name: string) =>
    validation.map((row) => {
      const value = row.metrics[`${row.phase}/${name}`];
      return typeof value === 'number' && Number.isFinite(value) ? value : null;
    });
  return [
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
    {
      id: 'pass',
      // With one episode per task pass@k is pass@1: one line.
      title: k === 1 ? 'Validation pass@1' : `Validation pass@1 / pass@${k ?? 'k'}`,
      x: validation.map((row) => row.step),
      series: [
        { label: 'pass@1', values: passColumn('pass@1'), color: ORANGE },
        ...(k === 1 ? [] : [{ label: `pass@${k ?? 'k'}`, values: passColumn('pass@k'), color: GREEN }]),
      ],
    },
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
}
