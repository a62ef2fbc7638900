import type { MetricsRecord, MetricsSink } from '@ajet/spec';
import { describe, expect, it } from 'vitest';
import { GuardedSink } from './guarded-sink.ts';

const record = (step: number): MetricsRecord => ({ step, phase: 'train', time: 0, metrics: { x: step } });

class FlakySink implements MetricsSink {
  readonly written: number[] = [];
  constructor(private readonly failingSteps: Set<number>) {}
  async write(row: MetricsRecord): Promise<void> {
    if (this.failingSteps.has(row.step)) throw new Error(`disk full at step ${row.step}`);
    this.written.push(row.step);
  }
  async close(): Promise<void> {
    throw new Error('close failed');
  }
}

describe('GuardedSink', () => {
  it('warns once on the first failure, swallows later ones, and keeps writing once the sink recovers', async () => {
    const warnings: string[] = [];
    const inner = new FlakySink(new Set([2, 3]));
    const sink = new GuardedSink({ name: 'tensorboard', create: () => inner, warn: (line) => warnings.push(line) });
    for (let step = 1; step <= 4; step++) await sink.write(record(step));
    await sink.close();
    expect(inner.written).toEqual([1, 4]);
    expect(warnings).toEqual([
      'metrics sink "tensorboard" failed: disk full at step 2. Training goes on; later failures of this sink are not reported.',
    ]);
    expect(sink.failureCount).toBe(3);
  });

  it('turns a sink that cannot start into a warning, and tries to start it again on the next write', async () => {
    const warnings: string[] = [];
    let attempts = 0;
    const sink = new GuardedSink({
      name: 'swanlab',
      create: () => {
        attempts += 1;
        throw new Error('no API key');
      },
      warn: (line) => warnings.push(line),
    });
    await sink.write(record(1));
    await sink.write(record(2));
    await sink.close();
    expect(attempts).toBe(2);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/"swanlab" failed: no API key/);
  });
});
