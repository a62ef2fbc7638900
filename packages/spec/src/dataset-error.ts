import { AjetError } from './ajet-error.ts';

export interface DatasetErrorOptions {
  code: string;
  file?: string;
  /** 1-based row (line for JSONL, data row for CSV/parquet). */
  row?: number;
  hint?: string;
  cause?: unknown;
}

/** A dataset file is missing, unreadable, or has a bad row. */
export class DatasetError extends AjetError {
  readonly file: string | undefined;
  readonly row: number | undefined;

  constructor(message: string, options: DatasetErrorOptions) {
    const where = [options.file, options.row === undefined ? undefined : `row ${options.row}`]
      .filter(Boolean)
      .join(' ');
    super(where ? `${where}: ${message}` : message, {
      code: options.code,
      blame: 'user',
      hint: options.hint,
      cause: options.cause,
    });
    this.file = options.file;
    this.row = options.row;
  }
}
