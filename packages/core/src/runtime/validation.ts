import { AjetError, type Task, type TaskReader } from '@ajet/spec';
import type { AjetConfig } from '../config/schema.ts';
import { GroupCollector, type GroupCollectorOptions } from './collect-groups.ts';
import type { EpisodeResult } from './run-episode.ts';
import { evalSummary, mean, type EvalSummary as SampledSummary } from './step-metrics.ts';
import type { StepWriter } from './step-writer.ts';
import { readSplit } from './training-schedule.ts';

/** One episode a task at temperature 0. */
export interface GreedySummary {
  'pass@1': number;
  reward_mean: number;
  episodes_failed: number;
}

/**
 * One validation set's result. `pass@1`, `pass@k` (k = val_pass_n), `reward_mean` and `episodes_failed` are the
 * sampled run's: k episodes a task at `temperature`; `greedy` is the greedy run's (null when turned off).
 */
export interface SetSummary extends SampledSummary {
  temperature: number;
  greedy: GreedySummary | null;
}

/** A validation: the main validation split at the top level, each `task_reader.extra_validation` set in `sets`. */
export interface EvalSummary extends SetSummary {
  sets: Record<string, SetSummary>;
}

/** A validation set's tasks; `name` null for the main reader's validation split. */
export interface ValidationSet {
  name: string | null;
  tasks: readonly Task[];
}

/** The temperature of the sampled validation: `rollout.val_kwargs.temperature`, else the training temperature. */
export function sampledTemperature(config: AjetConfig): number {
  return config.rollout.valKwargs.temperature ?? config.rollout.temperature;
}

/** The greedy run's summary (pure): pass@1 over one episode a task. */
export function greedySummary(groups: readonly (readonly EpisodeResult[])[]): GreedySummary {
  const episodes = groups.flatMap((group) => group.slice(0, 1));
  return {
    'pass@1': mean(episodes.map((result) => (result.isSuccess ? 1 : 0))),
    reward_mean: mean(episodes.map((result) => result.reward)),
    episodes_failed: episodes.filter((result) => result.error).length,
  };
}

function setMetrics(prefix: string, summary: SetSummary): Record<string, number> {
  return {
    [`${prefix}n`]: summary.n,
    ...(summary.greedy
      ? {
          [`${prefix}greedy/pass@1`]: summary.greedy['pass@1'],
          [`${prefix}greedy/reward_mean`]: summary.greedy.reward_mean,
          [`${prefix}greedy/episodes_failed`]: summary.greedy.episodes_failed,
        }
      : {}),
    [`${prefix}sampled/pass@1`]: summary['pass@1'],
    [`${prefix}sampled/pass@k`]: summary['pass@k'],
    [`${prefix}sampled/k`]: summary.k,
    [`${prefix}sampled/temperature`]: summary.temperature,
    [`${prefix}sampled/reward_mean`]: summary.reward_mean,
    [`${prefix}sampled/episodes_failed`]: summary.episodes_failed,
  };
}

/**
 * The metrics a validation (`val`) or evaluation (`eval`) writes (pure): the main set's under `val/`
 * (`val/greedy/pass@1`, `val/sampled/pass@1`, `val/sampled/pass@k`, …), each extra set's under `val/<name>/`.
 */
export function validationMetrics(phase: 'val' | 'eval', summary: EvalSummary): Record<string, number> {
  const metrics = setMetrics(`${phase}/`, summary);
  for (const [name, set] of Object.entries(summary.sets)) Object.assign(metrics, setMetrics(`${phase}/${name}/`, set));
  return metrics;
}

/** `config` with validation sampling at `temperature`: a collector built from it samples validation that way. */
function atTemperature(config: AjetConfig, temperature: number): AjetConfig {
  const rollout = { ...config.rollout, valKwargs: { ...config.rollout.valKwargs, temperature } };
  return { ...config, rollout };
}

/** Each `task_reader.extra_validation` set's validation split, in config order. */
export async function readExtraValidationSets(options: {
  readers: readonly { name: string; reader: TaskReader }[];
  firstN: number | null;
  warn: (message: string) => void;
}): Promise<(ValidationSet & { name: string })[]> {
  const sets: (ValidationSet & { name: string })[] = [];
  for (const { name, reader } of options.readers) {
    const tasks = await readSplit(reader, 'validation', options.firstN);
    for (const line of reader.badRowSummary?.() ?? []) options.warn(`${name}: ${line}`);
    if (tasks.length === 0) options.warn(`validation set ${name} has no tasks: it is skipped.`);
    sets.push({ name, tasks });
  }
  return sets;
}

/**
 * Runs validation: for each set, the greedy run (one episode a task at temperature 0, unless
 * `rollout.val_kwargs.greedy` is off) and the sampled run (`val_pass_n` episodes a task at the sampled temperature).
 * Writes each set's trajectories (`val-step-N`, `val-<name>-step-N`) and one metrics record for all sets.
 */
export class Validator {
  private readonly greedyCollector: GroupCollector;
  private readonly sampledCollector: GroupCollector;
  private readonly options: { collector: GroupCollectorOptions; writer: StepWriter };

  constructor(options: { collector: GroupCollectorOptions; writer: StepWriter }) {
    this.options = options;
    const { config } = options.collector;
    this.greedyCollector = new GroupCollector({ ...options.collector, config: atTemperature(config, 0) });
    this.sampledCollector = new GroupCollector({
      ...options.collector,
      config: atTemperature(config, sampledTemperature(config)),
    });
  }

  async run(options: { sets: readonly ValidationSet[]; step: number; phase: 'val' | 'eval' }): Promise<EvalSummary> {
    const { step, phase } = options;
    const { config } = this.options.collector;
    const k = config.trainerCommon.valPassN;
    const temperature = sampledTemperature(config);
    const summaries = new Map<string | null, SetSummary>();
    // Episode ids stay unique in the step: each run's task numbers start where the last one's ended.
    let firstTaskIndex = 0;
    const rollout = async (collector: GroupCollector, tasks: readonly Task[], repeats: number) => {
      const request = { tasks, split: 'validation', repeats, step, phase: 'validate', firstTaskIndex } as const;
      firstTaskIndex += tasks.length;
      return collector.rollout(request);
    };
    for (const set of options.sets) {
      if (set.tasks.length === 0) continue;
      const sampled = await rollout(this.sampledCollector, set.tasks, k);
      // At temperature 0 the sampled run is greedy already: its first episode a task is the greedy run.
      const greedy = !config.rollout.valKwargs.greedy
        ? undefined
        : temperature === 0
          ? sampled.map((group) => group.slice(0, 1))
          : await rollout(this.greedyCollector, set.tasks, 1);
      summaries.set(set.name, {
        ...evalSummary(sampled, k),
        temperature,
        greedy: greedy ? greedySummary(greedy) : null,
      });
      const episodes = [...(temperature === 0 ? [] : (greedy ?? [])), ...sampled].map((group) =>
        group.map((result) => ({ result, advantage: 0, trained: false })),
      );
      const file = set.name === null ? `${phase}-step-${step}` : `${phase}-${set.name}-step-${step}`;
      await this.options.writer.writeTrajectories(file, step, episodes);
    }
    const main = summaries.get(null);
    if (!main) throw new AjetError('No validation tasks to validate.', { code: 'NO_VALIDATION_TASKS', blame: 'user' });
    const sets: Record<string, SetSummary> = {};
    for (const [name, summary] of summaries) if (name !== null) sets[name] = summary;
    const summary: EvalSummary = { ...main, sets };
    await this.options.writer.writeMetrics({
      step,
      phase,
      time: Date.now(),
      metrics: validationMetrics(phase, summary),
    });
    return summary;
  }
}
