import type { ConstantNode, FunctionNode, MathNode, OperatorNode, ParenthesisNode, SymbolNode } from 'mathjs';
import { parse } from 'mathjs';

/**
 * Model answers are hostile input: mathjs parses them, but only scalar arithmetic is ever evaluated, by the small
 * evaluator below (never mathjs's own, which builds matrices, units and big numbers on request: `ones(30000,30000)`
 * ran V8 out of memory). Work is linear in the text, and the text is capped.
 */
export const arithmeticLimits = { maxLength: 1000, maxNodes: 256, maxSymbols: 8, maxFactorial: 170 } as const;

/** An answer that parsed as scalar arithmetic over numbers, named constants and free variables. */
export interface Arithmetic {
  node: MathNode;
  /** Free variables, sorted. */
  symbols: string[];
}

const constants: Readonly<Record<string, number>> = { pi: Math.PI, PI: Math.PI, e: Math.E, E: Math.E };
const variableName = /^[a-zA-Z][a-zA-Z0-9_]{0,15}$/;

function factorial(n: number): number {
  if (!Number.isInteger(n) || n < 0 || n > arithmeticLimits.maxFactorial) return Number.NaN;
  let product = 1;
  for (let k = 2; k <= n; k += 1) product *= k;
  return product;
}

function nthRoot(x: number, n: number): number {
  if (!Number.isInteger(n) || n === 0) return Number.NaN;
  if (x < 0 && n % 2 !== 0) return -((-x) ** (1 / n));
  return x ** (1 / n);
}

type Operation = { arity: readonly [number, number]; apply: (args: number[]) => number };
const unary = (apply: (x: number) => number): Operation => ({ arity: [1, 1], apply: ([x = 0]) => apply(x) });
const binary = (apply: (x: number, y: number) => number): Operation => ({
  arity: [2, 2],
  apply: ([x = 0, y = 0]) => apply(x, y),
});

/** OperatorNode `fn` names allowed, by mathjs name. */
const operators: Readonly<Record<string, Operation>> = {
  add: binary((x, y) => x + y),
  subtract: binary((x, y) => x - y),
  multiply: binary((x, y) => x * y),
  divide: binary((x, y) => x / y),
  mod: binary((x, y) => x - y * Math.floor(x / y)),
  pow: binary((x, y) => x ** y),
  unaryMinus: unary((x) => -x),
  unaryPlus: unary((x) => x),
  factorial: unary(factorial),
};

/** Scalar functions a math answer may call. */
const functions: Readonly<Record<string, Operation>> = {
  sqrt: unary(Math.sqrt),
  cbrt: unary(Math.cbrt),
  nthRoot: { arity: [1, 2], apply: ([x = 0, n = 2]) => nthRoot(x, n) },
  abs: unary(Math.abs),
  exp: unary(Math.exp),
  log: { arity: [1, 2], apply: ([x = 0, base]) => (base === undefined ? Math.log(x) : Math.log(x) / Math.log(base)) },
  ln: unary(Math.log),
  log10: unary(Math.log10),
  log2: unary(Math.log2),
  sin: unary(Math.sin),
  cos: unary(Math.cos),
  tan: unary(Math.tan),
  asin: unary(Math.asin),
  acos: unary(Math.acos),
  atan: unary(Math.atan),
  sinh: unary(Math.sinh),
  cosh: unary(Math.cosh),
  tanh: unary(Math.tanh),
};

function allowedOperation(table: Readonly<Record<string, Operation>>, name: string, argCount: number): boolean {
  const operation = Object.hasOwn(table, name) ? table[name] : undefined;
  return operation !== undefined && argCount >= operation.arity[0] && argCount <= operation.arity[1];
}

/** Checks every node against the whitelist; collects free variables. False when anything else appears. */
function check(node: MathNode, found: { symbols: Set<string>; nodes: number }): boolean {
  found.nodes += 1;
  if (found.nodes > arithmeticLimits.maxNodes) return false;
  switch (node.type) {
    case 'ConstantNode': {
      const value = (node as ConstantNode).value as unknown;
      return typeof value === 'number' && Number.isFinite(value);
    }
    case 'SymbolNode': {
      const name = (node as SymbolNode).name;
      if (Object.hasOwn(constants, name)) return true;
      if (!variableName.test(name) || Object.hasOwn(functions, name)) return false;
      found.symbols.add(name);
      return found.symbols.size <= arithmeticLimits.maxSymbols;
    }
    case 'ParenthesisNode':
      return check((node as ParenthesisNode).content, found);
    case 'OperatorNode': {
      const operator = node as OperatorNode;
      return (
        allowedOperation(operators, operator.fn, operator.args.length) &&
        operator.args.every((arg) => check(arg, found))
      );
    }
    case 'FunctionNode': {
      const call = node as FunctionNode;
      const callee = call.fn as MathNode;
      return (
        callee.type === 'SymbolNode' &&
        allowedOperation(functions, (callee as SymbolNode).name, call.args.length) &&
        call.args.every((arg) => check(arg, found))
      );
    }
    default:
      return false;
  }
}

/** Parses `text` as scalar arithmetic; undefined when it is too long, does not parse, or uses anything else. */
export function parseArithmetic(text: string): Arithmetic | undefined {
  if (text.length > arithmeticLimits.maxLength) return undefined;
  let node: MathNode;
  try {
    node = parse(text);
  } catch {
    return undefined;
  }
  const found = { symbols: new Set<string>(), nodes: 0 };
  if (!check(node, found)) return undefined;
  return { node, symbols: [...found.symbols].sort() };
}

function evaluate(node: MathNode, scope: Readonly<Record<string, number>>): number {
  switch (node.type) {
    case 'ConstantNode':
      return (node as ConstantNode).value as number;
    case 'SymbolNode': {
      const name = (node as SymbolNode).name;
      return constants[name] ?? scope[name] ?? Number.NaN;
    }
    case 'ParenthesisNode':
      return evaluate((node as ParenthesisNode).content, scope);
    case 'OperatorNode': {
      const operator = node as OperatorNode;
      const args = operator.args.map((arg) => evaluate(arg, scope));
      return operators[operator.fn]?.apply(args) ?? Number.NaN;
    }
    case 'FunctionNode': {
      const call = node as FunctionNode;
      const args = call.args.map((arg) => evaluate(arg, scope));
      return functions[(call.fn as SymbolNode).name]?.apply(args) ?? Number.NaN;
    }
    default:
      return Number.NaN;
  }
}

/** The value at `scope` (one number per free variable); undefined when it is not a finite number. */
export function evaluateArithmetic(
  expression: Arithmetic,
  scope: Readonly<Record<string, number>>,
): number | undefined {
  const value = evaluate(expression.node, scope);
  return Number.isFinite(value) ? value : undefined;
}
