import { parse as parseYaml, stringify } from 'yaml';
import { z } from 'zod';
import { add, divide, formatRational, multiply, parseDecimal, type Rational, size, subtract } from './rational.ts';

export type Operation = 'add' | 'subtract' | 'multiply' | 'divide';

/** A calculator call: a number, or an operation over two or more operands (applied left to right). */
export type Calculation = number | string | { operation: Operation; operands: Calculation[] };

export const OPERATIONS: readonly Operation[] = ['add', 'subtract', 'multiply', 'divide'];
const SYMBOLS: Record<string, Operation> = { '+': 'add', '-': 'subtract', '*': 'multiply', '/': 'divide' };

export const LIMITS = { inputChars: 10_000, depth: 32, nodes: 1_000, digits: 2_000 } as const;

/** A problem with the model's call, reported back to it as text. */
export class CalculationError extends Error {}

/** Parses `1+2*(3-4)/5` into a calculation; same-operator chains (`a-b-c`) become one operation. */
export function parseExpression(expression: string): Calculation {
  const tokens = expression.match(/\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|\.\d+|[-+*/()]|\S/g) ?? [];
  let position = 0;
  let nodes = 0;
  const next = () => tokens[position];
  const combine = (operation: Operation, left: Calculation, right: Calculation): Calculation => {
    nodes += 1;
    if (nodes > LIMITS.nodes) throw new CalculationError(`expression has more than ${LIMITS.nodes} operations`);
    if (typeof left === 'object' && left.operation === operation && !(left as { grouped?: boolean }).grouped) {
      return { operation, operands: [...left.operands, right] };
    }
    return { operation, operands: [left, right] };
  };
  const factor = (depth: number): Calculation => {
    if (depth > LIMITS.depth) throw new CalculationError(`expression nests deeper than ${LIMITS.depth}`);
    const token = next();
    if (token === '(') {
      position += 1;
      const inner = sum(depth + 1);
      if (next() !== ')') throw new CalculationError(`missing ")" in ${expression}`);
      position += 1;
      // A parenthesised group stays one operand: (a-b)-c is not a-b-c's chain.
      return typeof inner === 'object' ? Object.assign({ ...inner }, { grouped: true }) : inner;
    }
    if (token === '-' || token === '+') {
      position += 1;
      const operand = factor(depth + 1);
      if (token === '+') return operand;
      if (typeof operand === 'number') return -operand;
      if (typeof operand === 'string') return operand.startsWith('-') ? operand.slice(1) : `-${operand}`;
      return { operation: 'subtract', operands: [0, operand] };
    }
    if (token !== undefined && /^(\d|\.)/.test(token)) {
      position += 1;
      return Number.isSafeInteger(Number(token)) ? Number(token) : token;
    }
    throw new CalculationError(
      token === undefined ? `expression ends early: ${expression}` : `unexpected "${token}" in ${expression}`,
    );
  };
  const product = (depth: number): Calculation => {
    let value = factor(depth);
    while (next() === '*' || next() === '/') {
      const symbol = tokens[position++] as string;
      value = combine(SYMBOLS[symbol] as Operation, value, factor(depth));
    }
    return value;
  };
  const sum = (depth: number): Calculation => {
    let value = product(depth);
    while (next() === '+' || next() === '-') {
      const symbol = tokens[position++] as string;
      value = combine(SYMBOLS[symbol] as Operation, value, product(depth));
    }
    return value;
  };
  if (expression.length > LIMITS.inputChars)
    throw new CalculationError(`expression longer than ${LIMITS.inputChars} characters`);
  const result = sum(0);
  if (position < tokens.length) throw new CalculationError(`unexpected "${tokens[position]}" in ${expression}`);
  return stripGrouping(result);
}

function stripGrouping(calculation: Calculation): Calculation {
  if (typeof calculation !== 'object') return calculation;
  return { operation: calculation.operation, operands: calculation.operands.map(stripGrouping) };
}

/** The calculation as the YAML the model writes inside `<calculator>` tags. */
export function toYaml(calculation: Calculation): string {
  const plain = (node: Calculation): unknown =>
    typeof node === 'object'
      ? { operation: node.operation, operands: node.operands.map(plain) }
      : typeof node === 'string'
        ? Number(node)
        : node;
  return stringify(plain(calculation));
}

const calculationSchema: z.ZodType<Calculation> = z.lazy(() =>
  z.union([
    z.number(),
    z.string(),
    z.strictObject({
      operation: z.string(),
      operands: z.array(calculationSchema),
    }),
  ]),
) as z.ZodType<Calculation>;

/** Reads the text between `<calculator>` tags: YAML (optionally in a ```yaml fence), or a plain expression. */
export function parseCall(body: string): Calculation {
  if (body.length > LIMITS.inputChars) throw new CalculationError(`input longer than ${LIMITS.inputChars} characters`);
  const text = body
    .trim()
    .replace(/^```(?:ya?ml)?\s*\n?/i, '')
    .replace(/\n?```$/, '')
    .trim();
  if (text.length === 0) throw new CalculationError('empty calculator call');
  if (!/^\s*(operation|operands)\s*:/m.test(text)) return parseExpression(text);
  let document: unknown;
  try {
    // Model-written: odd YAML (a list as a mapping key) must not print Node warnings on the user's console.
    document = parseYaml(text, { maxAliasCount: 0, logLevel: 'error' });
  } catch (error) {
    throw new CalculationError(`malformed YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  const parsed = calculationSchema.safeParse(document);
  if (!parsed.success) {
    throw new CalculationError('expected `operation:` and a list of `operands:` (numbers or nested operations)');
  }
  return parsed.data;
}

function toRational(value: number | string): Rational {
  const parsed = parseDecimal(typeof value === 'number' ? String(value) : value);
  if (!parsed || (typeof value === 'number' && !Number.isFinite(value)))
    throw new CalculationError(`"${value}" is not a number`);
  return parsed;
}

/** Evaluates exactly; throws CalculationError with a message meant for the model. */
export function evaluateCalculation(calculation: Calculation, depth = 0): Rational {
  if (depth > LIMITS.depth) throw new CalculationError(`calculation nests deeper than ${LIMITS.depth}`);
  if (typeof calculation !== 'object') return toRational(calculation);
  const operation = calculation.operation as Operation;
  if (!OPERATIONS.includes(operation)) {
    throw new CalculationError(`unknown operation "${calculation.operation}" (use ${OPERATIONS.join(', ')})`);
  }
  if (calculation.operands.length < 2) throw new CalculationError(`${operation} needs at least two operands`);
  if (calculation.operands.length > LIMITS.nodes) throw new CalculationError(`more than ${LIMITS.nodes} operands`);
  const values = calculation.operands.map((operand) => evaluateCalculation(operand, depth + 1));
  let result = values[0] as Rational;
  for (const value of values.slice(1)) {
    if (operation === 'divide' && value.numerator === 0n) throw new CalculationError('division by zero');
    result =
      operation === 'add'
        ? add(result, value)
        : operation === 'subtract'
          ? subtract(result, value)
          : operation === 'multiply'
            ? multiply(result, value)
            : divide(result, value);
    if (size(result) > LIMITS.digits) throw new CalculationError(`result has more than ${LIMITS.digits} digits`);
  }
  return result;
}

/** The tool's reply text for a call body: the formatted result, or `Error: …`. Never throws. */
export function runCalculator(body: string): string {
  try {
    return formatRational(evaluateCalculation(parseCall(body)));
  } catch (error) {
    if (error instanceof CalculationError || error instanceof RangeError) return `Error: ${error.message}`;
    return `Error: ${(error as Error).message}`;
  }
}
