import type { BackboneInfo, MetricsRecord, RolloutError } from '@ajet/spec';

export type RunPhase = 'rollout' | 'train' | 'validate' | 'checkpoint';

/** What a display (console, progress bar, live report) hears from a run. Every method is optional. */
export interface RunObserver {
  onRunStart?(info: {
    mode: 'train' | 'eval';
    totalSteps: number;
    trainTasks: number;
    validationTasks: number;
    /** Tasks of each `task_reader.extra_validation` set. */
    extraValidationTasks?: readonly { name: string; tasks: number }[];
    /** `algorithm.ptx`: the demonstrations that fit the context, and how many of them each update trains (absent when off). */
    demonstrations?: { total: number; perUpdate: number };
    trainable: boolean;
    backbone: BackboneInfo;
    policy: string;
    experimentDir: string;
  }): void;
  onPhase?(event: { phase: RunPhase; step: number; episodes: number }): void;
  onEpisodeEnd?(event: { phase: RunPhase; step: number; done: number; total: number }): void;
  onRolloutError?(error: RolloutError): void;
  onMetrics?(record: MetricsRecord): void;
  onWarning?(message: string): void;
  /** The episode service is listening (`--serve-episodes`): its URL, and the file holding its token. */
  onEpisodeService?(info: { url: string; infoFile: string }): void;
  onRunEnd?(event: { steps: number; experimentDir: string }): void;
}
