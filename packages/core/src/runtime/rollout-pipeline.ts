import type { EpisodeResult } from './run-episode.ts';

export interface CollectedStep {
  groups: EpisodeResult[][];
  /** Seconds from the start of the step's rollouts to their end. */
  rolloutSeconds: number;
}

/**
 * The producer side of a bounded-staleness pipeline: `start(step)` begins a step's rollouts (ahead of the learner,
 * with the weights as they are now), `take(step)` waits for them, `settle()` waits for everything in flight (before
 * the learner changes the weights, so each step's rollouts see one weights version). Keeps how long any rollout was
 * in flight, for the sampler's idle share.
 */
export class RolloutPipeline {
  private readonly collect: (step: number) => Promise<EpisodeResult[][]>;
  private readonly inFlight = new Map<number, Promise<CollectedStep>>();
  private running = 0;
  private busySince = 0;
  private busySeconds = 0;

  constructor(collect: (step: number) => Promise<EpisodeResult[][]>) {
    this.collect = collect;
  }

  /** Steps whose rollouts were started and not yet taken. */
  get stepsInFlight(): number {
    return this.inFlight.size;
  }

  start(step: number): void {
    if (this.inFlight.has(step)) return;
    const started = performance.now();
    if (this.running++ === 0) this.busySince = started;
    const collected = this.collect(step)
      .then((groups) => ({ groups, rolloutSeconds: (performance.now() - started) / 1000 }))
      .finally(() => {
        if (--this.running === 0) this.busySeconds += (performance.now() - this.busySince) / 1000;
      });
    // Taken (and its error thrown) later; one abandoned by a stopped run must not be an unhandled rejection.
    collected.catch(() => undefined);
    this.inFlight.set(step, collected);
  }

  /** The step's rollouts, started now if they were not ahead. */
  async take(step: number): Promise<CollectedStep> {
    this.start(step);
    const collected = this.inFlight.get(step) as Promise<CollectedStep>;
    try {
      return await collected;
    } finally {
      this.inFlight.delete(step);
    }
  }

  /** Waits until no rollout is in flight (their results stay to be taken). */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.inFlight.values()]);
  }

  /** Seconds during which at least one step's rollouts were in flight, so far. */
  samplerBusySeconds(): number {
    const open = this.running > 0 ? (performance.now() - this.busySince) / 1000 : 0;
    return this.busySeconds + open;
  }
}

/** The learner's view of one pipelined step, for its metrics. */
export interface StepTimes {
  /** Wall time of the step, from the learner starting it to its update done. */
  stepSeconds: number;
  /** Waiting for this step's rollouts. */
  waitRolloutSeconds: number;
  /** Waiting, before the update, for the rollouts sampled ahead to finish. */
  waitSyncSeconds: number;
  /** Of the step's wall time, how long some rollout was in flight. */
  samplerBusySeconds: number;
}

/**
 * A step's pipeline metrics (pure): the wall time split, learner and sampler idle shares, episodes sampled ahead
 * while the learner trained, and with a staleness bound the histogram of how many updates behind each episode was
 * sampled (`pipeline/staleness/N`) and what the bound dropped.
 */
export function pipelineMetrics(options: {
  times: StepTimes;
  episodesInFlight: number;
  staleness?: { values: readonly number[]; episodesDropped: number; groupsDropped: number };
}): Record<string, number> {
  const { times, staleness } = options;
  const wall = Math.max(times.stepSeconds, 1e-9);
  const metrics: Record<string, number> = {
    'time/step_s': times.stepSeconds,
    'time/wait_rollout_s': times.waitRolloutSeconds,
    'time/wait_sync_s': times.waitSyncSeconds,
    'time/learner_idle_pct': (100 * (times.waitRolloutSeconds + times.waitSyncSeconds)) / wall,
    'time/sampler_idle_pct': 100 * Math.max(0, 1 - times.samplerBusySeconds / wall),
    'time/episodes_in_flight': options.episodesInFlight,
  };
  if (!staleness) return metrics;
  const { values } = staleness;
  metrics['pipeline/staleness_mean'] =
    values.length === 0 ? 0 : values.reduce((sum, value) => sum + value, 0) / values.length;
  for (const value of values)
    metrics[`pipeline/staleness/${value}`] = (metrics[`pipeline/staleness/${value}`] ?? 0) + 1;
  metrics['pipeline/stale_episodes_dropped'] = staleness.episodesDropped;
  metrics['pipeline/stale_groups_dropped'] = staleness.groupsDropped;
  return metrics;
}
