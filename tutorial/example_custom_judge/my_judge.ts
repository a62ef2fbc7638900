import { answersEquivalent, extractAnswer, extractBoxed, referenceFromSolution } from '@ajet/judges';
import type { Judge, JudgeResult, Trajectory, WorkflowOutput, WorkflowTask } from '@ajet/spec';
import { ConfigError } from '@ajet/spec';

export interface MyJudgeSettings {
  /** Reward lost per 100 characters of the final message beyond `free_length`. */
  length_penalty: number;
  free_length: number;
  /** Reward lost when the answer is not in `\boxed{}`. */
  missing_box_penalty: number;
}

const defaults: MyJudgeSettings = { length_penalty: 0.05, free_length: 400, missing_box_penalty: 0.5 };

function readSettings(raw: unknown): MyJudgeSettings {
  const given = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  const settings = { ...defaults };
  for (const key of Object.keys(given)) {
    const value = given[key];
    if (!(key in defaults) || typeof value !== 'number' || value < 0) {
      throw new ConfigError(
        `my_judge: "${key}" must be one of ${Object.keys(defaults).join(', ')} with a number >= 0.`,
        {
          code: 'MY_JUDGE_BAD_SETTING',
          keyPath: `ajet.task_judge.judge_settings.${key}`,
        },
      );
    }
    settings[key as keyof MyJudgeSettings] = value;
  }
  return settings;
}

/** 1 for a correct boxed answer, minus a penalty for rambling past `free_length` characters; 0 when wrong. */
export class MyJudge implements Judge {
  private readonly settings: MyJudgeSettings;

  constructor(settings: unknown) {
    this.settings = readSettings(settings);
  }

  async computeReward(task: WorkflowTask, output: WorkflowOutput, trajectory: Trajectory): Promise<JudgeResult> {
    const last = trajectory.messages.findLast((message) => message.role === 'assistant')?.content ?? '';
    const box = extractBoxed(last).at(-1);
    // Unboxed, the answer is read out of the sentence: the calculator agent ends with "The answer is 21159."
    const answerText = output.metadata.finalAnswer ?? last;
    const prediction = box ?? extractAnswer(answerText, { wholeTextFallback: true })?.text ?? '';
    const reference = referenceFromSolution(String(task.task.metadata.answer ?? ''));
    const verdict = answersEquivalent({ prediction, reference });
    if (!verdict.equal)
      return { rawReward: 0, isSuccess: false, details: { prediction, reference, reason: verdict.reason } };
    const overLength = Math.max(0, last.length - this.settings.free_length);
    const lengthPenalty = (overLength / 100) * this.settings.length_penalty;
    const boxPenalty = box === undefined ? this.settings.missing_box_penalty : 0;
    return {
      rawReward: Math.max(0, 1 - lengthPenalty - boxPenalty),
      isSuccess: true,
      details: { prediction, reference, lengthPenalty, boxPenalty },
    };
  }
}
