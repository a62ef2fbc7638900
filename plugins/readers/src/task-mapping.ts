import { DatasetError, type Task } from '@ajet/spec';
import { z } from 'zod';
import type { Row } from './read-rows.ts';

export const fieldMappingSchema = z.strictObject({
  /** The question; default: the first of question, query, problem, prompt present. */
  query_field: z.string().optional(),
  /** The reference answer; default: the first of answer, solution, reference, expected_answer present. */
  answer_field: z.string().optional(),
  /** A stable id; default: the row number. */
  id_field: z.string().optional(),
});

export type FieldMapping = z.output<typeof fieldMappingSchema>;

const QUERY_FIELDS = ['question', 'query', 'problem', 'prompt'];
const ANSWER_FIELDS = ['answer', 'solution', 'reference', 'expected_answer'];

function pick(
  row: Row,
  explicit: string | undefined,
  candidates: readonly string[],
): { field?: string; value: unknown } {
  if (explicit) return { field: explicit, value: row[explicit] };
  const field = candidates.find((name) => row[name] !== undefined && row[name] !== null);
  return { field, value: field ? row[field] : undefined };
}

export type RowProblem = 'empty question' | 'missing answer' | 'question is not text';

/**
 * A row as a task: `mainQuery` from the query field, every column kept in metadata, and `metadata.answer` the
 * reference (GSM8K's text after `####`, the full solution kept as `metadata.solution`).
 */
export function rowToTask(options: { row: Row; index: number; mapping: FieldMapping }): Task | RowProblem {
  const { row, index, mapping } = options;
  const query = pick(row, mapping.query_field, QUERY_FIELDS);
  if (query.value !== undefined && typeof query.value !== 'string') return 'question is not text';
  if (typeof query.value !== 'string' || query.value.trim().length === 0) return 'empty question';
  const answer = pick(row, mapping.answer_field, ANSWER_FIELDS);
  if (answer.value === undefined || answer.value === null || String(answer.value).trim().length === 0)
    return 'missing answer';
  const answerText = String(answer.value);
  const hashes = /####\s*(.+)\s*$/.exec(answerText);
  const id = mapping.id_field ? row[mapping.id_field] : undefined;
  return {
    taskId: id === undefined || id === null ? String(index) : String(id),
    mainQuery: query.value,
    metadata: {
      ...row,
      ...(hashes ? { solution: answerText, answer: (hashes[1] ?? '').trim() } : { answer: answerText }),
    },
  };
}

export interface BadRowReport {
  file: string;
  total: number;
  skipped: number;
  first?: { row: number; problem: RowProblem };
}

/** Rows to tasks, skipping (and counting in `reports`) or failing on bad rows per `onBadRow`. */
export function* tasksFromRows(options: {
  rows: readonly Row[];
  file: string;
  onBadRow: 'skip' | 'fail';
  mapping: FieldMapping;
  reports: BadRowReport[];
}): Generator<Task> {
  const { rows, file, onBadRow, mapping } = options;
  const report: BadRowReport = { file, total: rows.length, skipped: 0 };
  options.reports.push(report);
  for (const [index, row] of rows.entries()) {
    const task = rowToTask({ row, index, mapping });
    if (typeof task !== 'string') {
      yield task;
      continue;
    }
    if (onBadRow === 'fail') {
      throw new DatasetError(task, {
        code: 'DATASET_BAD_ROW',
        file,
        row: index + 1,
        hint: 'Fix the row, map the right fields (query_field, answer_field), or set task_reader.on_bad_row: skip.',
      });
    }
    report.skipped += 1;
    report.first ??= { row: index + 1, problem: task };
  }
}

/** One line per file that had bad rows, e.g. `skipped 12 of 240 rows in train.jsonl (first: row 7: empty question)`. */
export function summarizeBadRows(reports: readonly BadRowReport[]): string[] {
  return reports
    .filter((report) => report.skipped > 0)
    .map(
      (report) =>
        `skipped ${report.skipped} of ${report.total} rows in ${report.file} (first: row ${report.first?.row}: ${report.first?.problem})`,
    );
}
