export type { BadRowReport, DatasetFileSettings } from './dataset-file-reader.ts';
export { DatasetFileReader } from './dataset-file-reader.ts';
export type { Row, RowFormat } from './read-rows.ts';
export { formatOf, readRows } from './read-rows.ts';
export type { FieldMapping, RowProblem } from './task-mapping.ts';
export { fieldMappingSchema, rowToTask } from './task-mapping.ts';
