import { isScalar, parseDocument, stringify, visit } from 'yaml';
import { z } from 'zod';
import { formatRational, parseDecimal, type Rational, RationalArithmetic, reaches } from './rational.ts';

export type Operation = 'add' | 'subtract' | 'multiply' | 'divide';

/** A calculator call: a number, or an operation over two or more operands (applied left to right). */
export type Calculation = number | string | { operation: Operation; operands: Calculation[] };

export const OPERATIONS: readonly Operation[] = ['add', 'subtract', 'multiply', 'divide'];
const SYMBOLS: Record<string, Operation> = { '+': 'add', '-': 'subtract', '*': 'multiply', '/': 'divide' };

/**
 * What one call may ask for. `gcdSteps` bounds the only superlinear work (a gcd step on numbers of at most
 * `digits` digits takes microseconds), so a call answers within about a second whatever the model writes.
 */
export const LIMITS = { inputChars: 10_000, depth: 32, nodes: 1_000, digits: 2_000, gcdSteps: 200_000 } as const;

/** The expression as quoted in an error: enough to recognise it, never the whole of a long input. */
function quoted(expression: string): string {
  return expression.length > 80 ? `${expression.slice(0, 80)}…` : expression;
}

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
      if (next() !== ')') throw new CalculationError(`missing ")" in ${quoted(expression)}`);
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
      // Only plain digits become a number: `1e-400` as a double would be 0.
      return /^\d+$/.test(token) && Number.isSafeInteger(Number(token)) ? Number(token) : token;
    }
    throw new CalculationError(
      token === undefined
        ? `expression ends early: ${quoted(expression)}`
        : `unexpected "${token}" in ${quoted(expression)} (the operators are + - * / and parentheses)`,
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
  if (position < tokens.length) {
    throw new CalculationError(
      `unexpected "${tokens[position]}" in ${quoted(expression)} (the operators are + - * / and parentheses)`,
    );
  }
  return stripGrouping(result);
}

function stripGrouping(calculation: Calculation): Calculation {
  if (typeof calculation !== 'object') return calculation;
  return { operation: calculation.operation, operands: calculation.operands.map(stripGrouping) };
}

const DECIMAL_SHAPE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A number literal as a double when the double is that value; otherwise the text, kept exact (`1e-400`). */
function numberIfExact(text: string): number | string {
  const asDouble = Number(text);
  const exact = parseDecimal(text);
  if (!exact) return DECIMAL_SHAPE.test(text.trim()) ? text : asDouble;
  const viaDouble = parseDecimal(String(asDouble));
  return viaDouble && exact.numerator === viaDouble.numerator && exact.denominator === viaDouble.denominator
    ? asDouble
    : text;
}

/** The calculation as the YAML the model writes inside `<calculator>` tags. */
export function toYaml(calculation: Calculation): string {
  const plain = (node: Calculation): unknown =>
    typeof node === 'object'
      ? { operation: node.operation, operands: node.operands.map(plain) }
      : typeof node === 'string'
        ? numberIfExact(node)
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

function flowDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  for (const character of text) {
    if (character === '[' || character === '{') deepest = Math.max(deepest, ++depth);
    else if (character === ']' || character === '}') depth = Math.max(0, depth - 1);
  }
  return deepest;
}

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
  // The YAML parser recurses per bracket: refuse deep flow nesting before it runs.
  if (flowDepth(text) > 2 * LIMITS.depth) throw new CalculationError(`calculation nests deeper than ${LIMITS.depth}`);
  let document: unknown;
  try {
    // Model-written: odd YAML (a list as a mapping key) must not print Node warnings on the user's console.
    const parsedDocument = parseDocument(text, { logLevel: 'error' });
    const [firstError] = parsedDocument.errors;
    if (firstError) throw firstError;
    // Numbers as written, not as doubles: `1e-400` and 23-digit integers stay exact.
    visit(parsedDocument, {
      Scalar(_key, node) {
        if (typeof node.value === 'number' && isScalar(node) && node.type === 'PLAIN' && node.source) {
          node.value = numberIfExact(node.source);
        }
      },
    });
    document = parsedDocument.toJS({ maxAliasCount: 0 });
  } catch (error) {
    throw new CalculationError(`malformed YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  const parsed = calculationSchema.safeParse(document);
  if (!parsed.success) {
    throw new CalculationError('expected `operation:` and a list of `operands:` (numbers or nested operations)');
  }
  return parsed.data;
}

/** 10^LIMITS.digits: a value reaching it has more digits than allowed. */
const DIGITS_BOUND = 10n ** BigInt(LIMITS.digits);

function toRational(value: number | string): Rational {
  const text = typeof value === 'number' ? String(value) : value.trim();
  const parsed = typeof value === 'number' && !Number.isFinite(value) ? undefined : parseDecimal(text);
  if (!parsed) {
    if (DECIMAL_SHAPE.test(text) && /[eE]/.test(text)) {
      throw new CalculationError(`"${quoted(text)}" is out of range: exponents go to ±400`);
    }
    throw new CalculationError(`"${quoted(text)}" is not a number`);
  }
  if (reaches(parsed, DIGITS_BOUND)) throw new CalculationError(`a number has more than ${LIMITS.digits} digits`);
  return parsed;
}

/**
 * Evaluates exactly; throws CalculationError with a message meant for the model. `maxGcdSteps` (default
 * LIMITS.gcdSteps) bounds the work.
 */
export function evaluateCalculation(calculation: Calculation, options: { maxGcdSteps?: number } = {}): Rational {
  const maxGcdSteps = options.maxGcdSteps ?? LIMITS.gcdSteps;
  let gcdSteps = 0;
  const arithmetic = new RationalArithmetic({
    spend(steps) {
      gcdSteps += steps;
      if (gcdSteps > maxGcdSteps) {
        throw new CalculationError(
          `calculation needs more than ${maxGcdSteps} gcd steps; split it into smaller calls or round the numbers`,
        );
      }
    },
  });
  const evaluate = (node: Calculation, depth: number): Rational => {
    if (depth > LIMITS.depth) throw new CalculationError(`calculation nests deeper than ${LIMITS.depth}`);
    if (typeof node !== 'object') return toRational(node);
    const operation = node.operation as Operation;
    if (!OPERATIONS.includes(operation)) {
      throw new CalculationError(
        `unknown operation "${quoted(String(node.operation))}" (use ${OPERATIONS.join(', ')})`,
      );
    }
    if (node.operands.length < 2) throw new CalculationError(`${operation} needs at least two operands`);
    if (node.operands.length > LIMITS.nodes) throw new CalculationError(`more than ${LIMITS.nodes} operands`);
    const values = node.operands.map((operand) => evaluate(operand, depth + 1));
    let result = values[0] as Rational;
    for (const value of values.slice(1)) {
      if (operation === 'divide' && value.numerator === 0n) throw new CalculationError('division by zero');
      result = arithmetic[operation](result, value);
      if (reaches(result, DIGITS_BOUND)) throw new CalculationError(`result has more than ${LIMITS.digits} digits`);
    }
    return result;
  };
  return evaluate(calculation, 0);
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
