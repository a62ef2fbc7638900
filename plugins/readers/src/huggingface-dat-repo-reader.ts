import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError, type PluginContext, type Split, settingPath, type Task, type TaskReader } from '@ajet/spec';
import { z } from 'zod';
import { formatOf, type RowFormat, readRows } from './read-rows.ts';
import { type BadRowReport, fieldMappingSchema, summarizeBadRows, tasksFromRows } from './task-mapping.ts';

const DOWNLOAD_HINT =
  'Download it with `ajet download --target=<repo> --path=<folder>` or point dataset_path at a local copy.';

const settingsSchema = fieldMappingSchema.extend({
  /**
   * A local folder in the layout the Hugging Face hub uses (what `ajet download` writes), relative to the YAML file
   * that wrote it; core resolves it and checks it exists before the run.
   */
  dataset_path: settingPath({ mustExist: 'folder', hint: DOWNLOAD_HINT }),
  /** The dataset config (subset), e.g. `main` for openai/gsm8k. */
  config: z.string().optional(),
  training_split: z.string().default('train'),
  validation_split: z.string().default('test'),
  on_bad_row: z.enum(['skip', 'fail']).default('skip'),
});

export type HuggingFaceDatRepoSettings = z.output<typeof settingsSchema>;

const EXTENSIONS = ['.parquet', '.jsonl', '.json', '.csv'];

/** The files of a split: `<config>/<split>-*.parquet`, `data/<split>-*`, `<split>.jsonl`, … in the hub's layouts. */
export function splitFiles(options: { root: string; config?: string; split: string }): string[] {
  const { root, config, split } = options;
  const folders = [config ? join(root, config) : undefined, join(root, 'data'), root].filter(
    (folder): folder is string => folder !== undefined && existsSync(folder),
  );
  for (const folder of folders) {
    const names = readdirSync(folder)
      .filter((name) => EXTENSIONS.some((extension) => name.endsWith(extension)))
      .filter((name) => name.startsWith(`${split}-`) || name.startsWith(`${split}.`) || name === `${split}`)
      .sort();
    if (names.length > 0) return names.map((name) => join(folder, name));
  }
  return [];
}

/** `huggingface_dat_repo`: tasks from a local copy of a hub dataset (parquet shards or jsonl per split). */
export class HuggingFaceDatRepoReader implements TaskReader {
  static settings = settingsSchema;
  private readonly settings: HuggingFaceDatRepoSettings;
  private readonly root: string;
  readonly reports: BadRowReport[] = [];

  constructor(settings: HuggingFaceDatRepoSettings, context: PluginContext) {
    this.settings = settings;
    // From the loader, absolute; built directly (tests, scripts), relative to `context.configDir`.
    this.root = resolve(context.configDir, settings.dataset_path);
  }

  async *readTasks(split: Split): AsyncIterable<Task> {
    const name = split === 'train' ? this.settings.training_split : this.settings.validation_split;
    if (!existsSync(this.root)) {
      throw new ConfigError(`dataset folder not found: ${this.root}`, {
        code: 'DATASET_NOT_FOUND',
        keyPath: 'ajet.task_reader.huggingface_dat_repo.dataset_path',
        hint: DOWNLOAD_HINT,
      });
    }
    const files = splitFiles({ root: this.root, config: this.settings.config, split: name });
    if (files.length === 0) {
      if (split === 'validation') return;
      throw new ConfigError(`no files for split "${name}" in ${this.root}`, {
        code: 'DATASET_NOT_FOUND',
        keyPath: 'ajet.task_reader.huggingface_dat_repo.training_split',
        hint: `Looked for ${this.settings.config ?? '<config>'}/${name}-*.parquet, data/${name}-*, ${name}.jsonl.`,
      });
    }
    for (const file of files) {
      const rows = await readRows(file, formatOf(file) as RowFormat);
      yield* tasksFromRows({
        rows,
        file,
        onBadRow: this.settings.on_bad_row,
        mapping: this.settings,
        reports: this.reports,
      });
    }
  }

  badRowSummary(): string[] {
    return summarizeBadRows(this.reports);
  }
}
