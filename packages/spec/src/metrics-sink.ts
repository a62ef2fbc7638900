/** One row of metrics: a training step, a validation pass, or an eval run. */
export interface MetricsRecord {
  step: number;
  /** `train`, `val` or `eval`. */
  phase: string;
  metrics: Record<string, number>;
  /** Unix ms. */
  time: number;
}

/** Where metrics go (`trainer_common.logger`). A sink that fails warns once; it never stops training. */
export interface MetricsSink {
  write(record: MetricsRecord): Promise<void>;
  close(): Promise<void>;
}

/** What a sink is built from: the run's names and its own settings block, never the whole config. */
export interface SinkContext {
  experimentDir: string;
  projectName: string;
  experimentName: string;
  /** One line saying what the run trains, e.g. `ajet react_agent on builtin:tinylm-calculator`. */
  description: string;
  /** The sink's own block `trainer_common.<name>` (camelCase keys), or `{}` when the config has none. */
  settings: Readonly<Record<string, unknown>>;
}

/** Builds the sink that `trainer_common.logger` names; a package of sinks exports a record of these. */
export type SinkFactory = (context: SinkContext) => MetricsSink | Promise<MetricsSink>;
