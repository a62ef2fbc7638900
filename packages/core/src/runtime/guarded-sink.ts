import type { MetricsRecord, MetricsSink } from '@ajet/spec';

/**
 * Wraps a metrics sink so that its failures (a full disk, an unreachable server) never stop training: the first
 * failure is reported through `warn`, later ones are counted silently, and the sink keeps being tried so it can
 * recover. The sink is created on the first write, so a sink that cannot even start is a warning too.
 */
export class GuardedSink implements MetricsSink {
  private readonly name: string;
  private readonly create: () => MetricsSink | Promise<MetricsSink>;
  private readonly warn: (message: string) => void;
  private sink: MetricsSink | undefined;
  private failures = 0;

  constructor(options: {
    name: string;
    create: () => MetricsSink | Promise<MetricsSink>;
    warn: (message: string) => void;
  }) {
    this.name = options.name;
    this.create = options.create;
    this.warn = options.warn;
  }

  /** Failed calls so far. */
  get failureCount(): number {
    return this.failures;
  }

  private fail(error: unknown): void {
    this.failures += 1;
    if (this.failures > 1) return;
    const message = error instanceof Error ? error.message : String(error);
    this.warn(
      `metrics sink "${this.name}" failed: ${message}. Training goes on; later failures of this sink are not reported.`,
    );
  }

  async write(record: MetricsRecord): Promise<void> {
    try {
      this.sink ??= await this.create();
      await this.sink.write(record);
    } catch (error) {
      this.fail(error);
    }
  }

  async close(): Promise<void> {
    try {
      await this.sink?.close();
    } catch (error) {
      this.fail(error);
    }
  }
}
