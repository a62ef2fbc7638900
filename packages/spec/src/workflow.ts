import type { Split, Task } from './task.ts';
import type { Tuner } from './tuner.ts';

/** One episode: a task, and which repeat of its group this is. */
export interface WorkflowTask {
  task: Task;
  episodeId: string;
  /** `T{taskId}#R{repeatIndex}`: stable across runs, used in logs and errors. */
  taskTag: string;
  split: Split;
  repeatIndex: number;
}

export interface WorkflowOutput {
  /** Set it to skip the judge. */
  reward?: number;
  isSuccess?: boolean;
  metadata: { finalAnswer?: string; [key: string]: unknown };
  /** Numbers averaged into the step's metrics under `workflow/<name>`. */
  logMetrics?: Record<string, number>;
}

/** An agent. One instance serves exactly one episode. */
export interface Workflow {
  execute(task: WorkflowTask, tuner: Tuner): Promise<WorkflowOutput>;
}
