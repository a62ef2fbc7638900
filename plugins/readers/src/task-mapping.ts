import type { Task } from '@ajet/spec';
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
