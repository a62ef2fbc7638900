import type { Judge, JudgeResult, PluginContext, Trajectory, WorkflowOutput, WorkflowTask } from '@ajet/spec';
import { type Calculation, LIMITS, parseCall, parseExpression } from '@ajet/tools';
import { z } from 'zod';

const calculatorStepsSettings = z
  .strictObject({
    /** Task metadata field holding the reference arithmetic (`(754*38-986)/14`). */
    reference_field: z.string().min(1).default('expression'),
    /** The tool whose calls are read; their `expression` argument is the calculator's YAML or arithmetic. */
    tool: z.string().min(1).default('calculator'),
    /**
     * Two steps match when they differ by at most this share of the larger. Steps are doubles, so a chain added in
     * another order differs in its last bits; 1e-12 still tells 651232920826.4316 − 680 from − 681.
     */
    relative_tolerance: z.number().nonnegative().default(1e-12),
    /** Steps read from each side at most. */
    max_steps: z.number().int().positive().default(1024),
  })
  .transform((settings) => ({
    referenceField: settings.reference_field,
    tool: settings.tool,
    relativeTolerance: settings.relative_tolerance,
    maxSteps: settings.max_steps,
  }));

export type CalculatorStepsSettings = z.output<typeof calculatorStepsSettings>;

function apply(operation: string, left: number, right: number): number {
  switch (operation) {
    case 'add':
      return left + right;
    case 'subtract':
      return left - right;
    case 'multiply':
      return left * right;
    case 'divide':
      return left / right;
    default:
      return Number.NaN;
  }
}

/**
 * The intermediate results of a calculation, operands first: each operation contributes the value of every
 * left-to-right prefix of its operands (`subtract [a, b, c]` gives a−b and a−b−c), so a chain written flat and the
 * same chain nested (`subtract [subtract [a, b], c]`) give the same steps. Doubles: a step no double holds (a
 * division by zero, an unknown operation) is NaN and matches nothing. At most `most` steps.
 */
export function calculationSteps(calculation: Calculation, most: number): number[] {
  const steps: number[] = [];
  const visit = (node: Calculation, depth: number): number => {
    if (typeof node !== 'object') return Number(node);
    if (depth > LIMITS.depth || !Array.isArray(node.operands)) return Number.NaN;
    const values = node.operands.map((operand) => visit(operand, depth + 1));
    let value = values[0] ?? Number.NaN;
    for (const operand of values.slice(1)) {
      value = apply(node.operation, value, operand);
      if (steps.length < most) steps.push(value);
    }
    return value;
  };
  visit(calculation, 0);
  return steps;
}

/** How many of `reference` pair off with a distinct value of `called` within the tolerance. */
export function matchedSteps(reference: readonly number[], called: readonly number[], relativeTolerance: number) {
  const sorted = (values: readonly number[]) => values.filter(Number.isFinite).sort((a, b) => a - b);
  const left = sorted(reference);
  const right = sorted(called);
  const close = (a: number, b: number) => Math.abs(a - b) <= relativeTolerance * Math.max(Math.abs(a), Math.abs(b));
  let matched = 0;
  let i = 0;
  let j = 0;
  // One pass over both sorted lists: exact for equal values, and the largest matching whenever the tolerance is
  // far below the gaps between distinct steps (the default's 1e-12 is).
  while (i < left.length && j < right.length) {
    const a = left[i] as number;
    const b = right[j] as number;
    if (close(a, b)) {
      matched += 1;
      i += 1;
      j += 1;
    } else if (a < b) i += 1;
    else j += 1;
  }
  return matched;
}

/** The calculation a tool call's arguments ask for: `{"expression": "..."}` or the bare text; undefined if none. */
function calledCalculation(argumentsText: string): Calculation | undefined {
  let body: unknown = argumentsText;
  try {
    const parsed: unknown = JSON.parse(argumentsText);
    body = typeof parsed === 'object' && parsed !== null ? Reflect.get(parsed, 'expression') : parsed;
  } catch {
    // Not JSON: the call's text is the calculation.
  }
  if (typeof body !== 'string') return undefined;
  try {
    return parseCall(body);
  } catch {
    return undefined;
  }
}

/**
 * Rewards calculator calls whose intermediate results are the reference expression's: 2·M / (|reference| +
 * |called|), M the steps of the reference (every operation's left-to-right partial results, `calculationSteps`)
 * that a step of the episode's calls equals. A dense partner for an answer judge (under `weighted`): a call that
 * gets three of four quotients right and misplaces the fourth scores above one that gets none, though both answer
 * wrong, so a group of only wrong answers still has something to learn, and what it learns is the structure.
 */
export class CalculatorStepsJudge implements Judge {
  static readonly settings = calculatorStepsSettings;
  private readonly settings: CalculatorStepsSettings;

  constructor(settings: CalculatorStepsSettings, _context?: PluginContext) {
    this.settings = settings;
  }

  async computeReward(task: WorkflowTask, _output: WorkflowOutput, trajectory: Trajectory): Promise<JudgeResult> {
    const { referenceField: field, maxSteps: most } = this.settings;
    const text = task.task.metadata[field];
    if (typeof text !== 'string' && typeof text !== 'number') {
      return { rawReward: 0, isSuccess: false, details: { reason: 'no_reference', field } };
    }
    let reference: number[];
    try {
      reference = calculationSteps(parseExpression(String(text)), most);
    } catch (error) {
      return {
        rawReward: 0,
        isSuccess: false,
        details: { reason: 'reference_not_arithmetic', field, error: (error as Error).message },
      };
    }
    if (reference.length === 0) {
      return { rawReward: 0, isSuccess: false, details: { reason: 'no_steps_in_reference', field } };
    }
    const called: number[] = [];
    let toolCalls = 0;
    let unreadable = 0;
    for (const message of trajectory.messages) {
      for (const call of message.toolCalls ?? []) {
        if (call.name !== this.settings.tool) continue;
        toolCalls += 1;
        const calculation = calledCalculation(call.arguments);
        if (calculation === undefined) unreadable += 1;
        else if (called.length < most) called.push(...calculationSteps(calculation, most - called.length));
      }
    }
    const matched = matchedSteps(reference, called, this.settings.relativeTolerance);
    const rawReward = (2 * matched) / (reference.length + called.length);
    return {
      rawReward,
      isSuccess: rawReward === 1,
      details: {
        reason: toolCalls === 0 ? 'no_tool_call' : rawReward === 1 ? 'all_steps' : 'steps_differ',
        referenceSteps: reference.length,
        calledSteps: called.length,
        matched,
        toolCalls,
        ...(unreadable > 0 ? { unreadableCalls: unreadable } : {}),
      },
    };
  }
}
