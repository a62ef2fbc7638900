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

/** Validation results so far, one row per validation, newest last (the last 10). */
function validationTable(rows: readonly MetricsRecord[]): string[] {
  const last = rows.at(-1);
  const k = last ? (last.metrics[`${last.phase}/k`] ?? 1) : 1;
  const header = ['step', 'pass@1', ...(k > 1 ? [`pass@${k}`] : []), 'reward', 'tasks', 'failed'];
  const cells = rows.slice(-10).map((record) => {
    const m = record.metrics;
    const value = (name: string) => m[`${record.phase}/${name}`] ?? 0;
    return [
      String(record.step),
      value('pass@1').toFixed(3),
      ...(k > 1 ? [value('pass@k').toFixed(3)] : []),
      value('reward_mean').toFixed(3),
      String(value('n')),
      String(value('episodes_failed')),
    ];
  });
  const widths = header.map((title, column) => Math.max(title.length, ...cells.map((row) => row[column]?.length ?? 0)));
  const line = (row: readonly string[]) =>
    `  ${row.map((cell, column) => cell.padStart(widths[column] ?? 0)).join('  ')}`;
  return [line(header), ...cells.map(line)];
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
    const phase = record.phase;
    const k = m[`${phase}/k`] ?? 1;
    return [
      `${phase} @ step ${record.step}: pass@1 ${(m[`${phase}/pass@1`] ?? 0).toFixed(3)}`,
      ...(k > 1 ? [`pass@${k} ${(m[`${phase}/pass@k`] ?? 0).toFixed(3)}`] : []),
      `reward ${(m[`${phase}/reward_mean`] ?? 0).toFixed(3)}`,
      `${m[`${phase}/n`] ?? 0} tasks`,
      `failed ${m[`${phase}/episodes_failed`] ?? 0}`,
    ].join(' | ');
  };
  return {
    onRunStart(info) {
      totalSteps = info.totalSteps;
      const what =
        info.mode === 'train'
          ? `training on ${info.trainTasks} tasks (${info.validationTasks} validation), ${info.totalSteps} steps`
          : `evaluating ${info.validationTasks} tasks`;
      write(`ajet: ${what} with ${info.policy}`);
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
      write(format(record));
      if (record.phase === 'train') return;
      validations.push(record);
      for (const line of validationTable(validations.filter((row) => row.phase === record.phase))) write(line);
    },
    onRunEnd(event) {
      write(`ajet: done after ${event.steps} steps; results in ${event.experimentDir}`);
    },
  };
}
