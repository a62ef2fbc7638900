import type { Backbone, MetricsRecord, MetricsSink } from '@ajet/spec';
import { episodeRecords } from './episode-records.ts';
import { writeTrajectories } from './experiment-files.ts';
import type { PlannedEpisode } from './plan-batch.ts';
import type { RunObserver } from './run-observer.ts';

/** Where a step's results go: metrics to the observer and every sink, trajectories to `trajectories/NAME.jsonl`. */
export class StepWriter {
  private readonly options: {
    experimentDir: string;
    sinks: readonly MetricsSink[];
    observer?: RunObserver;
    /** For the token texts of trajectory records. */
    backbone?: Backbone;
    trajectoriesPerStep: number;
  };

  constructor(options: StepWriter['options']) {
    this.options = options;
  }

  async writeMetrics(record: MetricsRecord): Promise<void> {
    this.options.observer?.onMetrics?.(record);
    for (const sink of this.options.sinks) await sink.write(record);
  }

  async writeTrajectories(name: string, step: number, episodes: readonly (readonly PlannedEpisode[])[]): Promise<void> {
    const { backbone, experimentDir, trajectoriesPerStep: limit } = this.options;
    await writeTrajectories({
      experimentDir,
      name,
      records: await episodeRecords({ step, episodes, limit, backbone }),
    });
  }
}
