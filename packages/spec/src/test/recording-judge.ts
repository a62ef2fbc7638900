import type { Judge, JudgeResult } from '../judge.ts';
import type { Trajectory } from '../trajectory.ts';
import type { WorkflowOutput, WorkflowTask } from '../workflow.ts';

export interface JudgeCall {
  task: WorkflowTask;
  output: WorkflowOutput;
  trajectory: Trajectory;
}

/** A judge for tests: scores with the given function (default: 1 when `finalAnswer` equals `metadata.answer`). */
export class RecordingJudge implements Judge {
  readonly calls: JudgeCall[] = [];
  private readonly score: (call: JudgeCall) => JudgeResult;

  constructor(score?: (call: JudgeCall) => JudgeResult) {
    this.score =
      score ??
      (({ task, output }) => {
        const isSuccess = String(output.metadata.finalAnswer ?? '') === String(task.task.metadata.answer ?? '');
        return { rawReward: isSuccess ? 1 : 0, isSuccess };
      });
  }

  async computeReward(task: WorkflowTask, output: WorkflowOutput, trajectory: Trajectory): Promise<JudgeResult> {
    const call = { task, output, trajectory };
    this.calls.push(call);
    return this.score(call);
  }
}
