import type { Judge, JudgeResult, PluginContext, Trajectory, WorkflowOutput, WorkflowTask } from '@ajet/spec';
import { z } from 'zod';

const callNumbersSettings = z
  .strictObject({
    /** Task metadata field whose text holds the reference numbers (e.g. `expression`); unset: the question. */
    reference_field: z.string().min(1).optional(),
    /** Numbers read from each side at most: the score's cost is their product. */
    max_numbers: z.number().int().positive().default(512),
  })
  .transform((settings) => ({ referenceField: settings.reference_field, maxNumbers: settings.max_numbers }));

export type CallNumbersSettings = z.output<typeof callNumbersSettings>;

/** Unsigned decimal numbers in reading order, as written (`-95707` reads `95707`: a call may negate an operand). */
export function numbersIn(text: string, most: number): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(/\d+(?:\.\d+)?/g)) {
    if (found.length >= most) break;
    found.push(normalizeNumber(match[0]));
  }
  return found;
}

/** `007` and `7.50` read `7` and `7.5`, so the same number written two ways matches. */
function normalizeNumber(digits: string): string {
  const [whole = '', fraction] = digits.split('.');
  const integer = whole.replace(/^0+(?=\d)/, '');
  const decimals = fraction?.replace(/0+$/, '') ?? '';
  return decimals === '' ? integer : `${integer}.${decimals}`;
}

/** Length of the longest common subsequence, in O(|a|·|b|) time and O(|b|) memory. */
export function commonSubsequenceLength(a: readonly string[], b: readonly string[]): number {
  const row = new Array<number>(b.length + 1).fill(0);
  for (const left of a) {
    let diagonal = 0;
    for (let j = 1; j <= b.length; j += 1) {
      const above = row[j] ?? 0;
      row[j] = left === b[j - 1] ? diagonal + 1 : Math.max(above, row[j - 1] ?? 0);
      diagonal = above;
    }
  }
  return row[b.length] ?? 0;
}

/**
 * Rewards tool calls that carry the task's numbers in the task's order: 2·L / (|reference| + |called|), L the longest
 * common subsequence of the numbers the reference states and the numbers the episode's tool-call arguments state.
 * A dense partner for an answer judge (under `weighted`): among episodes that all answer wrong, the ones that copied
 * more of the question into the call score higher, so a group without a right answer still has something to learn.
 */
export class CallNumbersJudge implements Judge {
  static readonly settings = callNumbersSettings;
  private readonly settings: CallNumbersSettings;

  constructor(settings: CallNumbersSettings, _context?: PluginContext) {
    this.settings = settings;
  }

  /** The text whose numbers the calls should carry, or why there is none. */
  private referenceText(task: WorkflowTask): string | undefined {
    const field = this.settings.referenceField;
    if (field === undefined) return task.task.mainQuery;
    const value = task.task.metadata[field];
    return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
  }

  async computeReward(task: WorkflowTask, _output: WorkflowOutput, trajectory: Trajectory): Promise<JudgeResult> {
    const most = this.settings.maxNumbers;
    const text = this.referenceText(task);
    if (text === undefined) {
      return {
        rawReward: 0,
        isSuccess: false,
        details: { reason: 'no_reference', field: this.settings.referenceField },
      };
    }
    const reference = numbersIn(text, most);
    const called: string[] = [];
    let toolCalls = 0;
    for (const message of trajectory.messages) {
      for (const call of message.toolCalls ?? []) {
        toolCalls += 1;
        if (called.length < most) called.push(...numbersIn(call.arguments, most - called.length));
      }
    }
    if (reference.length === 0) {
      return { rawReward: 0, isSuccess: false, details: { reason: 'no_numbers_in_reference', toolCalls } };
    }
    const common = commonSubsequenceLength(reference, called);
    const rawReward = (2 * common) / (reference.length + called.length);
    return {
      rawReward,
      isSuccess: rawReward === 1,
      details: {
        reason: toolCalls === 0 ? 'no_tool_call' : rawReward === 1 ? 'all_numbers_in_order' : 'numbers_differ',
        referenceNumbers: reference.length,
        calledNumbers: called.length,
        inOrder: common,
        toolCalls,
      },
    };
  }
}
