import type { RunObserver } from '@ajet/core';
import type { MetricsRecord } from '@ajet/spec';

export interface ConsoleObserverOptions {
  write(line: string): void;
  /** Rollout errors printed one by one before only counting them. */
  maxErrorLines?: number;
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
    return `${phase} @ step ${record.step}: pass@1 ${(m[`${phase}/pass@1`] ?? 0).toFixed(3)} | pass@${m[`${phase}/k`] ?? 1} ${(m[`${phase}/pass@k`] ?? 0).toFixed(3)} | reward ${(m[`${phase}/reward_mean`] ?? 0).toFixed(3)} | ${m[`${phase}/n`] ?? 0} tasks | failed ${m[`${phase}/episodes_failed`] ?? 0}`;
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
    onRolloutError(error) {
      errorLines += 1;
      if (errorLines <= maxErrorLines) write(`ajet: episode ${error.taskTag} failed (${error.kind}): ${error.message}`);
      else if (errorLines === maxErrorLines + 1) write('ajet: more episode failures are counted in the step lines');
    },
    onMetrics(record) {
      write(format(record));
    },
    onRunEnd(event) {
      write(`ajet: done after ${event.steps} steps; results in ${event.experimentDir}`);
    },
  };
}
