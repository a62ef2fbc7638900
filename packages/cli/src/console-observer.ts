import type { RunObserver } from '@ajet/core';
import type { MetricsRecord } from '@ajet/spec';

export interface ConsoleObserverOptions {
  write(line: string): void;
  /** Rollout errors printed one by one before only counting them. */
  maxErrorLines?: number;
  /** The line per step and the validation table (`console` in trainer_common.logger); on by default. */
  metricLines?: boolean;
  /** `--verbose`: the stack frames of each printed rollout error under its line. */
  verbose?: boolean;
}

/** The validation sets a validation record holds: `null` for the main split, then each extra set's name. */
export function validationSets(record: MetricsRecord): (string | null)[] {
  const prefix = `${record.phase}/`;
  const names = Object.keys(record.metrics)
    .filter((name) => name.startsWith(prefix) && name.endsWith('/n') && name !== `${prefix}n`)
    .map((name) => name.slice(prefix.length, -'/n'.length))
    .filter((name) => !name.includes('/'));
  return [...(`${prefix}n` in record.metrics ? [null] : []), ...names];
}

/** One validation set's numbers in a record, read by the metric names `runtime/validation.ts` writes. */
function setNumbers(record: MetricsRecord, set: string | null) {
  const prefix = set === null ? `${record.phase}/` : `${record.phase}/${set}/`;
  const value = (name: string) => record.metrics[`${prefix}${name}`];
  return {
    n: value('n') ?? 0,
    greedy: value('greedy/pass@1'),
    sampled: value('sampled/pass@1') ?? 0,
    sampledK: value('sampled/pass@k') ?? 0,
    k: value('sampled/k') ?? 1,
    temperature: value('sampled/temperature') ?? 0,
    failed: (value('greedy/episodes_failed') ?? 0) + (value('sampled/episodes_failed') ?? 0),
  };
}

const setLabel = (set: string | null) => set ?? 'validation';

/**
 * One set's validation results so far, newest last (the last 10), under a line saying what greedy and sampled
 * mean: greedy is one episode a task at temperature 0, sampled is k episodes a task at the sampled temperature.
 */
function validationTable(rows: readonly MetricsRecord[], set: string | null): string[] {
  const last = rows.at(-1);
  if (!last) return [];
  const { k, temperature, n, greedy } = setNumbers(last, set);
  const hasGreedy = greedy !== undefined;
  const episodes = `${k} episode${k === 1 ? '' : 's'} a task`;
  const title = `  ${setLabel(set)} (${n} tasks): ${hasGreedy ? 'greedy = temperature 0, 1 episode a task; ' : ''}sampled = T=${temperature}, ${episodes}`;
  const header = [
    'step',
    ...(hasGreedy ? ['greedy pass@1'] : []),
    'sampled pass@1',
    ...(k > 1 ? [`sampled pass@${k}`] : []),
    'failed',
  ];
  const cells = rows.slice(-10).map((record) => {
    const numbers = setNumbers(record, set);
    return [
      String(record.step),
      ...(hasGreedy ? [(numbers.greedy ?? 0).toFixed(3)] : []),
      numbers.sampled.toFixed(3),
      ...(k > 1 ? [numbers.sampledK.toFixed(3)] : []),
      String(numbers.failed),
    ];
  });
  const widths = header.map((heading, column) =>
    Math.max(heading.length, ...cells.map((row) => row[column]?.length ?? 0)),
  );
  const line = (row: readonly string[]) =>
    `  ${row.map((cell, column) => cell.padStart(widths[column] ?? 0)).join('  ')}`;
  return [title, line(header), ...cells.map(line)];
}

/** A validation set's line: greedy and sampled pass@1 (and pass@k), tasks, failed episodes. */
function validationLine(record: MetricsRecord, set: string | null): string {
  const numbers = setNumbers(record, set);
  return [
    `${record.phase}${set === null ? '' : ` ${set}`} @ step ${record.step}:`,
    [
      ...(numbers.greedy === undefined ? [] : [`greedy pass@1 ${numbers.greedy.toFixed(3)}`]),
      `sampled (T=${numbers.temperature}) pass@1 ${numbers.sampled.toFixed(3)}`,
      ...(numbers.k > 1 ? [`pass@${numbers.k} ${numbers.sampledK.toFixed(3)}`] : []),
      `${numbers.n} tasks`,
      `failed ${numbers.failed}`,
    ].join(' | '),
  ].join(' ');
}

/** Per validation set, its first and last validation of the run: greedy and sampled pass@1, before → after. */
export function beforeAfterLines(validations: readonly MetricsRecord[]): string[] {
  const first = validations[0];
  const last = validations.at(-1);
  if (!first || !last || first === last) return [];
  const change = (before: number, after: number) => `${before.toFixed(3)} → ${after.toFixed(3)}`;
  return validationSets(last).flatMap((set) => {
    if (!validationSets(first).includes(set)) return [];
    const [before, after] = [setNumbers(first, set), setNumbers(last, set)];
    const parts = [
      ...(before.greedy !== undefined && after.greedy !== undefined
        ? [`greedy pass@1 ${change(before.greedy, after.greedy)}`]
        : []),
      `sampled (T=${after.temperature}) pass@1 ${change(before.sampled, after.sampled)}`,
      ...(after.k > 1 ? [`pass@${after.k} ${change(before.sampledK, after.sampledK)}`] : []),
    ];
    return [`ajet: ${setLabel(set)} before → after (step ${first.step} → ${last.step}): ${parts.join(', ')}`];
  });
}

function compact(value: number): string {
  if (Math.abs(value) >= 1e6) return `${(value / 1e6).toFixed(1)}M`;
  if (Math.abs(value) >= 1e3) return `${(value / 1e3).toFixed(1)}k`;
  return String(Math.round(value));
}

function percent(value: number | undefined): string {
  return `${Math.round((value ?? 0) * 100)}%`;
}

/** A line per step and per validation, warnings and the first rollout errors. Plain text, CI-friendly. */
export function consoleObserver(options: ConsoleObserverOptions): RunObserver {
  const { write } = options;
  const maxErrorLines = options.maxErrorLines ?? 5;
  let totalSteps = 0;
  let errorLines = 0;
  const validations: MetricsRecord[] = [];
  const format = (record: MetricsRecord): string => {
    const m = record.metrics;
    if (record.phase === 'train') {
      const parts = [
        `step ${record.step}/${totalSteps}`,
        `reward ${(m['reward/mean'] ?? 0).toFixed(3)}±${(m['reward/std'] ?? 0).toFixed(3)}`,
        `success ${percent(m.success_rate)}`,
        `failed ${m['episodes/failed'] ?? 0}/${m['episodes/total'] ?? 0}`,
        `skipped ${m['groups/skipped'] ?? 0}/${m['groups/total'] ?? 0} groups`,
        `tokens ${compact(m['tokens/sampled'] ?? 0)} sampled ${compact(m['tokens/trained'] ?? 0)} trained`,
        `rollout ${(m['time/rollout_s'] ?? 0).toFixed(1)}s train ${(m['time/train_s'] ?? 0).toFixed(1)}s`,
      ];
      if (m['train/loss'] !== undefined) parts.push(`loss ${m['train/loss'].toFixed(4)}`);
      return parts.join(' | ');
    }
    return validationSets(record)
      .map((set) => validationLine(record, set))
      .join('\n');
  };
  return {
    onRunStart(info) {
      totalSteps = info.totalSteps;
      const validationCounts = [
        `${info.validationTasks} validation`,
        ...(info.extraValidationTasks ?? []).map(({ name, tasks }) => `${tasks} ${name}`),
      ].join(', ');
      const what =
        info.mode === 'train'
          ? `training on ${info.trainTasks} tasks (${validationCounts}), ${info.totalSteps} steps`
          : `evaluating ${validationCounts}`;
      const mix =
        info.demonstrations === undefined
          ? ''
          : `, each update also trains ${info.demonstrations.perUpdate} of ${info.demonstrations.total} demonstrations with cross-entropy (algorithm.ptx)`;
      write(`ajet: ${what} with ${info.policy}${mix}`);
      write(`ajet: writing to ${info.experimentDir}`);
    },
    onWarning(message) {
      write(`ajet: warning: ${message}`);
    },
    onEpisodeService(info) {
      write(`ajet: episode service at ${info.url} (token in ${info.infoFile})`);
    },
    onRolloutError(error) {
      errorLines += 1;
      if (errorLines <= maxErrorLines) {
        write(`ajet: episode ${error.taskTag} failed (${error.kind}): ${error.message}`);
        if (options.verbose && error.stack) {
          for (const frame of error.stack.split('\n').filter((line) => /^\s+at /.test(line))) write(frame);
        }
      } else if (errorLines === maxErrorLines + 1) write('ajet: more episode failures are counted in the step lines');
    },
    onMetrics(record) {
      if (options.metricLines === false) return;
      for (const line of format(record).split('\n')) write(line);
      if (record.phase === 'train') return;
      validations.push(record);
      const rows = validations.filter((row) => row.phase === record.phase);
      for (const set of validationSets(record)) for (const line of validationTable(rows, set)) write(line);
    },
    onRunEnd(event) {
      for (const line of beforeAfterLines(validations.filter((row) => row.phase === 'val'))) write(line);
      write(`ajet: done after ${event.steps} steps; results in ${event.experimentDir}`);
    },
  };
}
