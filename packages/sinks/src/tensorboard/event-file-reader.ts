import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeEvent, type TensorboardEvent } from './event-proto.ts';
import { readRecords } from './tfrecord.ts';

/** Every Event of one events file, in order; throws when a checksum is wrong or a record is cut off. */
export async function readEventFile(file: string): Promise<TensorboardEvent[]> {
  return [...readRecords(await readFile(file), file)].map((record) => decodeEvent(record));
}

export interface ScalarPoint {
  tag: string;
  step: number;
  value: number;
  /** Seconds since the epoch. */
  wallTime: number;
}

/** Every scalar in a folder's events files (`*tfevents*`, oldest file first). */
export async function readScalars(folder: string): Promise<ScalarPoint[]> {
  const files = (await readdir(folder)).filter((name) => name.includes('tfevents')).sort();
  const points: ScalarPoint[] = [];
  for (const name of files) {
    for (const event of await readEventFile(join(folder, name))) {
      for (const { tag, value } of event.scalars ?? []) {
        points.push({ tag, step: event.step, value, wallTime: event.wallTime });
      }
    }
  }
  return points;
}
