import type { ChatMessage } from './chat-message.ts';

export type Split = 'train' | 'validation';

/** One problem the agent is given. `metadata` holds the reference answer and anything a judge needs. */
export interface Task {
  taskId: string;
  mainQuery: string;
  initMessages?: ChatMessage[];
  metadata: Record<string, unknown>;
}

/** Yields the tasks of a split, in a stable order (the runtime shuffles with its own seeded RNG). */
export interface TaskReader {
  readTasks(split: Split): AsyncIterable<Task>;
  /** After reading: one line per file with skipped bad rows, shown at the start of a run. */
  badRowSummary?(): string[];
}
