import type { Judge, JudgeResult, PluginContext, Trajectory, WorkflowOutput, WorkflowTask } from '@ajet/spec';
import { z } from 'zod';
import { answersEquivalent } from './answers-equivalent.ts';
import { answerRegion, extractAnswer, referenceFromSolution } from './extract-answer.ts';

const mathAnswerSettings = z
  .strictObject({
    /** Which `\boxed{}` counts when the answer has several; `all`: every one, compared as a set. */
    box: z.enum(['first', 'last', 'all']).default('last'),
    /** Task metadata field holding the reference; unset tries `answer`, `reference`, `ground_truth`. */
    reference_field: z.string().min(1).optional(),
    tolerance_relative: z.number().nonnegative().default(1e-6),
    tolerance_absolute: z.number().nonnegative().default(0),
    /** Compare non-numeric answers as expressions with mathjs. */
    symbolic: z.boolean().default(true),
    /** Whether an inequality in one variable may answer an interval (`x < 3` for `(-\infty, 3)`). */
    inequality_as_interval: z.boolean().default(false),
  })
  .transform((settings) => ({
    box: settings.box,
    referenceField: settings.reference_field,
    tolerance: { relative: settings.tolerance_relative, absolute: settings.tolerance_absolute },
    symbolic: settings.symbolic,
    inequalityAsInterval: settings.inequality_as_interval,
  }));

export type MathAnswerSettings = z.output<typeof mathAnswerSettings>;

const defaultReferenceFields = ['answer', 'reference', 'ground_truth'];

/** Where the prediction comes from: `metadata.finalAnswer` when the workflow set one, else the last assistant message. */
export function predictionSource(output: WorkflowOutput, trajectory: Trajectory): { text: string; from: string } {
  const finalAnswer = output.metadata.finalAnswer;
  if (typeof finalAnswer === 'string' && finalAnswer.trim() !== '') return { text: finalAnswer, from: 'final_answer' };
  const lastAssistant = trajectory.messages.findLast((message) => message.role === 'assistant');
  return { text: lastAssistant?.content ?? '', from: 'last_assistant_message' };
}

/** Rewards 1 when the episode's final answer equals the task's reference as a math answer, else 0. */
export class MathAnswerJudge implements Judge {
  static readonly settings = mathAnswerSettings;
  private readonly settings: MathAnswerSettings;

  constructor(settings: MathAnswerSettings, _context?: PluginContext) {
    this.settings = settings;
  }

  /** The verdict on one prediction text against one reference text (used by `ajet judge` too). */
  judgeText(options: { prediction: string; reference: string; fromFinalAnswer?: boolean }): JudgeResult {
    const extracted = extractAnswer(options.prediction, {
      box: this.settings.box,
      wholeTextFallback: options.fromFinalAnswer ?? false,
    });
    const reference = referenceFromSolution(options.reference);
    if (!extracted) {
      const thinking = answerRegion(options.prediction).unclosedThink;
      return {
        rawReward: 0,
        isSuccess: false,
        details: { reason: 'no_prediction', reference, ...(thinking ? { unclosedThink: true } : {}) },
      };
    }
    const verdict = answersEquivalent({
      prediction: extracted.text,
      reference,
      tolerance: this.settings.tolerance,
      symbolic: this.settings.symbolic,
      inequalityAsInterval: this.settings.inequalityAsInterval,
    });
    return {
      rawReward: verdict.equal ? 1 : 0,
      isSuccess: verdict.equal,
      details: {
        prediction: extracted.text,
        extraction: extracted.method,
        ...(extracted.afterThink ? { afterThink: true } : {}),
        reference,
        normalizedPrediction: verdict.normalizedPrediction,
        normalizedReference: verdict.normalizedReference,
        reason: verdict.reason,
      },
    };
  }

  async computeReward(task: WorkflowTask, output: WorkflowOutput, trajectory: Trajectory): Promise<JudgeResult> {
    const fields = this.settings.referenceField ? [this.settings.referenceField] : defaultReferenceFields;
    const field = fields.find((name) => task.task.metadata[name] !== undefined && task.task.metadata[name] !== null);
    const rawReference = field === undefined ? undefined : task.task.metadata[field];
    if (typeof rawReference !== 'string' && typeof rawReference !== 'number') {
      return {
        rawReward: 0,
        isSuccess: false,
        details: { reason: 'no_reference', triedFields: fields },
      };
    }
    const source = predictionSource(output, trajectory);
    const result = this.judgeText({
      prediction: source.text,
      reference: String(rawReference),
      fromFinalAnswer: source.from === 'final_answer',
    });
    return { ...result, details: { ...result.details, predictionFrom: source.from, referenceField: field } };
  }
}
