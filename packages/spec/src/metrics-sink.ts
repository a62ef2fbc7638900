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
