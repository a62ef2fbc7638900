import type { Trajectory } from './trajectory.ts';
import type { WorkflowOutput, WorkflowTask } from './workflow.ts';

export interface JudgeResult {
  rawReward: number;
  isSuccess: boolean;
  /** Why: extracted prediction, normalized forms, penalties. Saved with the trajectory. */
  details?: Record<string, unknown>;
}

/**
 * Scores an episode; called when the workflow left `reward` unset. One instance serves the whole run, and with
 * `rollout.max_env_worker` > 1 it scores several episodes at once: keep no per-episode state on `this`.
 * `rawReward` must be a finite number. A throw (or a non-finite reward) fails that episode only: it becomes a
 * `RolloutError` counted in the step's metrics, and `rollout.on_error` decides what its group trains.
 * Judge work on model text must be bounded (size caps, no unrestricted evaluation): the model will find it.
 */
export interface Judge {
  computeReward(task: WorkflowTask, output: WorkflowOutput, trajectory: Trajectory): Promise<JudgeResult>;
}
