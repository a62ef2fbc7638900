import type { Trajectory } from './trajectory.ts';
import type { WorkflowOutput, WorkflowTask } from './workflow.ts';

export interface JudgeResult {
  rawReward: number;
  isSuccess: boolean;
  /** Why: extracted prediction, normalized forms, penalties. Saved with the trajectory. */
  details?: Record<string, unknown>;
}

/** Scores an episode; called when the workflow left `reward` unset. */
export interface Judge {
  computeReward(task: WorkflowTask, output: WorkflowOutput, trajectory: Trajectory): Promise<JudgeResult>;
}
