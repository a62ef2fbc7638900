import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { DatasetError } from '@ajet/spec';
import { parse as parseCsv } from 'csv-parse/sync';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';

export type Row = Record<string, unknown>;
export type RowFormat = 'jsonl' | 'json' | 'csv' | 'parquet';

export function formatOf(file: string): RowFormat | undefined {
  const extension = extname(file).toLowerCase();
  if (extension === '.jsonl' || extension === '.ndjson') return 'jsonl';
  if (extension === '.json') return 'json';
  if (extension === '.csv') return 'csv';
  if (extension === '.parquet') return 'parquet';
  return undefined;
}

/** Every row of a dataset file as a plain object; a line that is not JSON is an error naming file and row. */
export async function readRows(file: string, format: RowFormat): Promise<Row[]> {
  if (!existsSync(file)) throw new DatasetError('file not found', { code: 'DATASET_NOT_FOUND', file });
  switch (format) {
    case 'jsonl': {
      const rows: Row[] = [];
      const lines = (await readFile(file, 'utf8')).split('\n');
      lines.forEach((line, index) => {
        if (line.trim().length === 0) return;
        let value: unknown;
        try {
          value = JSON.parse(line);
        } catch (error) {
          throw new DatasetError(`not JSON: ${(error as Error).message}`, {
            code: 'DATASET_BAD_JSON',
            file,
            row: index + 1,
            hint: 'Each line of a .jsonl file must be one JSON object.',
          });
        }
        if (typeof value !== 'object' || value === null || Array.isArray(value)) {
          throw new DatasetError('expected a JSON object', { code: 'DATASET_BAD_ROW', file, row: index + 1 });
        }
        rows.push(value as Row);
      });
      return rows;
    }
    case 'json': {
      let value: unknown;
      try {
        value = JSON.parse(await readFile(file, 'utf8'));
      } catch (error) {
        throw new DatasetError(`not JSON: ${(error as Error).message}`, { code: 'DATASET_BAD_JSON', file });
      }
      const list = Array.isArray(value) ? value : (value as { data?: unknown })?.data;
      if (!Array.isArray(list)) {
        throw new DatasetError('expected a JSON array of objects or {"data": [...]}', {
          code: 'DATASET_BAD_JSON',
          file,
        });
      }
      return list as Row[];
    }
    case 'csv':
      try {
        return parseCsv(await readFile(file, 'utf8'), {
          columns: true,
          skip_empty_lines: true,
          trim: true,
          relax_quotes: true,
        }) as Row[];
      } catch (error) {
        const line = (error as { lines?: number }).lines;
        throw new DatasetError(`not valid CSV: ${(error as Error).message}`, {
          code: 'DATASET_BAD_CSV',
          file,
          row: line,
        });
      }
    case 'parquet': {
      const buffer = await asyncBufferFromFile(file);
      return (await parquetReadObjects({ file: buffer })) as Row[];
    }
    default: {
      const exhaustive: never = format;
      return exhaustive;
    }
  }
}
