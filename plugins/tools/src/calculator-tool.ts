import type { Tool, ToolContext } from '@ajet/spec';
import { z } from 'zod';
import { runCalculator } from './calculator/calculation.ts';

const parameters = z.object({
  expression: z
    .string()
    .describe(
      'The calculation: YAML with `operation` (add, subtract, multiply, divide) and `operands`, or arithmetic like (79 * 3)',
    ),
});

/** `calculator`: exact rational arithmetic on the recursive YAML form or a plain expression. Errors are text. */
export class CalculatorTool implements Tool<typeof parameters> {
  static settings = z.strictObject({});
  readonly name = 'calculator';
  readonly description = 'Exact arithmetic. Give YAML (operation + operands, nestable) or an arithmetic expression.';
  readonly parameters = parameters;

  async execute(args: z.output<typeof parameters>, _context: ToolContext): Promise<string> {
    return runCalculator(args.expression);
  }
}
