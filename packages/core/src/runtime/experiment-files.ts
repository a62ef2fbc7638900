import { existsSync } from 'node:fs';
import { appendFile, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { EpisodeRecord, MetricsRecord, MetricsSink } from '@ajet/spec';

/** Appends `metrics.jsonl` rows, one JSON object per line, flushed per write so a crash loses nothing written. */
export class JsonlMetricsSink implements MetricsSink {
  private readonly file: string;

  constructor(experimentDir: string) {
    this.file = join(experimentDir, 'metrics.jsonl');
  }

  async write(record: MetricsRecord): Promise<void> {
    await appendFile(this.file, `${JSON.stringify(record)}\n`);
  }

  async close(): Promise<void> {}
}

/** Writes a whole file through a temporary name and a rename, so readers never see half of it. */
export async function writeFileAtomic(file: string, text: string): Promise<void> {
  const temporary = `${file}.tmp-${process.pid}`;
  await writeFile(temporary, text);
  await rename(temporary, file);
}

export async function writeTrajectories(options: {
  experimentDir: string;
  name: string;
  records: readonly EpisodeRecord[];
}): Promise<void> {
  const folder = join(options.experimentDir, 'trajectories');
  await mkdir(folder, { recursive: true });
  const text = options.records.map((record) => JSON.stringify(record)).join('\n');
  await writeFileAtomic(join(folder, `${options.name}.jsonl`), text.length > 0 ? `${text}\n` : '');
}

export async function removeFolder(folder: string): Promise<void> {
  await rm(folder, { recursive: true, force: true });
}

/** On resume: drop metrics rows past the checkpoint's step so the file has no duplicate steps. */
export async function keepMetricsUpTo(options: { experimentDir: string; step: number }): Promise<void> {
  const file = join(options.experimentDir, 'metrics.jsonl');
  if (!existsSync(file)) return;
  const kept = (await readFile(file, 'utf8')).split('\n').filter((line) => {
    if (line.trim().length === 0) return false;
    try {
      const row = JSON.parse(line) as { step?: unknown };
      return typeof row.step === 'number' && row.step <= options.step;
    } catch {
      return false;
    }
  });
  await writeFileAtomic(file, kept.length > 0 ? `${kept.join('\n')}\n` : '');
}
