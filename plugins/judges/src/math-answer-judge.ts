import type { Judge, JudgeResult, Trajectory, WorkflowOutput, WorkflowTask } from '@ajet/spec';
import { z } from 'zod';
import { extractAnswer, normalizeAnswer, parseNumber } from './answer-extraction.ts';

const settingsSchema = z.strictObject({
  /** Task metadata field holding the reference; GSM8K's `#### N` tail is taken when present. */
  reference_field: z.string().default('answer'),
  /** Which `\boxed{}` counts when there are several. */
  box: z.enum(['last', 'first']).default('last'),
  tolerance: z
    .strictObject({ relative: z.number().nonnegative().default(1e-6), absolute: z.number().nonnegative().default(0) })
    .default({ relative: 1e-6, absolute: 0 }),
});

export type MathAnswerSettings = z.output<typeof settingsSchema>;

/** `math_answer`: 1 when the final answer equals the reference as a number (or as normalized text), else 0. */
export class MathAnswerJudge implements Judge {
  static settings = settingsSchema;
  private readonly settings: MathAnswerSettings;

  constructor(settings: MathAnswerSettings) {
    this.settings = settingsSchema.parse(settings ?? {});
  }

  /** The verdict for a prediction text against a reference text. */
  judge(prediction: string, referenceText: string): JudgeResult {
    const reference = (/####\s*(.+)$/m.exec(referenceText)?.[1] ?? referenceText).trim();
    const extracted = extractAnswer(prediction, { box: this.settings.box });
    if (!extracted) return { rawReward: 0, isSuccess: false, details: { reason: 'no answer found', reference } };
    const normalizedPrediction = normalizeAnswer(extracted.answer);
    const normalizedReference = normalizeAnswer(reference);
    const predicted = parseNumber(normalizedPrediction);
    const expected = parseNumber(normalizedReference);
    let isSuccess: boolean;
    let reason: string;
    if (predicted !== undefined && expected !== undefined) {
      const { relative, absolute } = this.settings.tolerance;
      const difference = Math.abs(predicted - expected);
      // Integers are exact: a tolerance on 192000000 must not accept 192000001.
      const bothIntegers = Number.isInteger(predicted) && Number.isInteger(expected) && absolute < 1;
      isSuccess = bothIntegers
        ? predicted === expected
        : difference <= Math.max(absolute, relative * Math.abs(expected));
      reason = isSuccess ? 'numbers equal within tolerance' : `numbers differ (${predicted} vs ${expected})`;
    } else {
      const canonical = (text: string) => text.replace(/\s+/g, '').toLowerCase();
      isSuccess = canonical(normalizedPrediction) === canonical(normalizedReference);
      reason = isSuccess ? 'same text after normalization' : 'different text after normalization';
    }
    return {
      rawReward: isSuccess ? 1 : 0,
      isSuccess,
      details: {
        prediction: extracted.answer,
        method: extracted.method,
        normalizedPrediction,
        normalizedReference,
        reason,
      },
    };
  }

  async computeReward(task: WorkflowTask, output: WorkflowOutput, trajectory: Trajectory): Promise<JudgeResult> {
    const reference = task.task.metadata[this.settings.reference_field];
    if (reference === undefined || reference === null || String(reference).trim() === '') {
      return {
        rawReward: 0,
        isSuccess: false,
        details: { reason: `task has no metadata.${this.settings.reference_field}` },
      };
    }
    const lastAssistant = [...trajectory.messages].reverse().find((message) => message.role === 'assistant');
    const prediction = output.metadata.finalAnswer ?? lastAssistant?.content ?? '';
    return this.judge(prediction, String(reference));
  }
}
