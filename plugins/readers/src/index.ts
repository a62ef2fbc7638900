export type { DatasetFileSettings } from './dataset-file-reader.ts';
export { DatasetFileReader } from './dataset-file-reader.ts';
export type { HuggingFaceDatRepoSettings } from './huggingface-dat-repo-reader.ts';
export { HuggingFaceDatRepoReader, splitFiles } from './huggingface-dat-repo-reader.ts';
export { manifest } from './manifest.ts';
export type { Row, RowFormat } from './read-rows.ts';
export { formatOf, readRows } from './read-rows.ts';
export type { BadRowReport, FieldMapping, RowProblem } from './task-mapping.ts';
export { fieldMappingSchema, rowToTask, summarizeBadRows, tasksFromRows } from './task-mapping.ts';
