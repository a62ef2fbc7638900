import type { PluginManifest } from '@ajet/spec';

/** The readers `task_reader.type` names by a bare name; each module loads only when its name is used. */
export const manifest: PluginManifest = [
  {
    kind: 'task_reader',
    name: 'dataset_file',
    summary: 'JSONL, JSON or Parquet files (task_reader.dataset_file.{training,validation}.file_path)',
    load: async () => (await import('./dataset-file-reader.ts')).DatasetFileReader,
  },
  {
    kind: 'task_reader',
    name: 'huggingface_dat_repo',
    summary: 'a Hugging Face dataset folder (ajet download) or hub repository',
    load: async () => (await import('./huggingface-dat-repo-reader.ts')).HuggingFaceDatRepoReader,
  },
];
