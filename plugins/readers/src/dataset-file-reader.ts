import { resolve } from 'node:path';
import {
  ConfigError,
  DatasetError,
  type PluginContext,
  type Split,
  settingPath,
  type Task,
  type TaskReader,
} from '@ajet/spec';
import { z } from 'zod';
import { formatOf, type RowFormat, readRows } from './read-rows.ts';
import { type BadRowReport, fieldMappingSchema, summarizeBadRows, tasksFromRows } from './task-mapping.ts';

/** `file_path`: relative to the YAML file that wrote it; core resolves it and checks it exists before the run. */
const splitSchema = z.strictObject({ file_path: settingPath({ mustExist: 'file' }) });

const settingsSchema = fieldMappingSchema.extend({
  training: splitSchema.optional(),
  validation: splitSchema.optional(),
  /** Default: from the file's extension. */
  format: z.enum(['jsonl', 'json', 'csv', 'parquet']).optional(),
  on_bad_row: z.enum(['skip', 'fail']).default('skip'),
});

export type DatasetFileSettings = z.output<typeof settingsSchema>;

/** `dataset_file`: tasks from a .jsonl/.json/.csv/.parquet file per split. */
export class DatasetFileReader implements TaskReader {
  static settings = settingsSchema;
  private readonly settings: DatasetFileSettings;
  private readonly configDir: string;
  readonly reports: BadRowReport[] = [];

  /** From the loader, `file_path` is absolute; built directly (tests, scripts), relative to `context.configDir`. */
  constructor(settings: DatasetFileSettings, context: PluginContext) {
    this.settings = settings;
    this.configDir = context.configDir;
  }

  async *readTasks(split: Split): AsyncIterable<Task> {
    const entry = split === 'train' ? this.settings.training : this.settings.validation;
    if (!entry) return;
    const key = `ajet.task_reader.dataset_file.${split === 'train' ? 'training' : 'validation'}.file_path`;
    const file = resolve(this.configDir, entry.file_path);
    const format: RowFormat | undefined = this.settings.format ?? formatOf(file);
    if (!format) {
      throw new ConfigError(`cannot tell the format of ${file}`, {
        code: 'DATASET_UNKNOWN_FORMAT',
        keyPath: key,
        hint: 'Use .jsonl, .json, .csv or .parquet, or set ajet.task_reader.dataset_file.format.',
      });
    }
    let rows: Record<string, unknown>[];
    try {
      rows = await readRows(file, format);
    } catch (error) {
      if (error instanceof DatasetError && error.code === 'DATASET_NOT_FOUND') {
        throw new ConfigError(`file not found: ${file}`, {
          code: 'DATASET_NOT_FOUND',
          keyPath: key,
          hint: 'Relative paths resolve against the YAML file’s folder.',
        });
      }
      throw error;
    }
    yield* tasksFromRows({
      rows,
      file,
      onBadRow: this.settings.on_bad_row,
      mapping: this.settings,
      reports: this.reports,
    });
  }

  /** One line per file that had bad rows, e.g. `skipped 12 of 240 rows in train.jsonl (first: row 7: empty question)`. */
  badRowSummary(): string[] {
    return summarizeBadRows(this.reports);
  }
}
