import { existsSync } from 'node:fs';
import { type FileHandle, mkdir, open } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { MetricsRecord, MetricsSink } from '@ajet/spec';
import { encodeEvent } from './tensorboard/event-proto.ts';
import { frameRecord } from './tensorboard/tfrecord.ts';

export interface TensorboardSinkOptions {
  /** Where the events file goes: `<experiment>/tensorboard`. */
  folder: string;
  /** Part of the file name, as TensorBoard writers do; defaults to this machine's name. */
  hostname?: string;
}

/** Scalar tags as TensorBoard shows them: train metrics as named (`reward/mean`), others under their phase. */
export function scalarTags(record: MetricsRecord): { tag: string; value: number }[] {
  const prefix = record.phase === 'train' ? '' : `${record.phase}/`;
  return Object.entries(record.metrics).map(([name, value]) => ({
    tag: prefix && !name.startsWith(prefix) ? `${prefix}${name}` : name,
    value,
  }));
}

/**
 * Writes `events.out.tfevents.<seconds>.<host>` with one Event per metrics row. Each row goes to the file
 * with its own write call (no buffering in this process), so a crash loses nothing already written.
 */
export class TensorboardSink implements MetricsSink {
  private readonly options: TensorboardSinkOptions;
  private handle: FileHandle | undefined;
  private file: string | undefined;

  constructor(options: TensorboardSinkOptions) {
    this.options = options;
  }

  /** The events file, once the first row made it. */
  get path(): string | undefined {
    return this.file;
  }

  private async opened(): Promise<FileHandle> {
    if (this.handle) return this.handle;
    await mkdir(this.options.folder, { recursive: true });
    const seconds = Math.floor(Date.now() / 1000);
    const base = join(this.options.folder, `events.out.tfevents.${seconds}.${this.options.hostname ?? hostname()}`);
    let file = base;
    // A resumed run in the same second gets a file of its own; TensorBoard reads them all.
    for (let suffix = 1; existsSync(file); suffix++) file = `${base}.${suffix}`;
    const handle = await open(file, 'wx');
    await handle.write(
      frameRecord(encodeEvent({ wallTime: Date.now() / 1000, step: 0, fileVersion: 'brain.Event:2' })),
    );
    this.handle = handle;
    this.file = file;
    return handle;
  }

  async write(record: MetricsRecord): Promise<void> {
    const handle = await this.opened();
    const event = encodeEvent({ wallTime: record.time / 1000, step: record.step, scalars: scalarTags(record) });
    await handle.write(frameRecord(event));
  }

  async close(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close();
  }
}
