import type { ConstantNode, FunctionNode, MathNode, OperatorNode, ParenthesisNode, SymbolNode } from 'mathjs';

/**
 * Exact canonical forms for answers that are rational functions: polynomials with rational (BigInt) coefficients
 * over free variables and the atoms `pi`, `e` and square roots of whole numbers, divided by another such
 * polynomial. Two answers with the same canonical form are equal; for plain polynomials over free variables a
 * different form means a different answer (no sampling). Every step is capped: model text is hostile input.
 */
export const rationalFunctionLimits = {
  maxTerms: 128,
  maxExponent: 32,
  maxBits: 4096,
  maxRadicand: 10n ** 12n,
  /** Monomial products one canonical form may take (a product of two 64-term polynomials is 4,096). */
  maxOperations: 4096,
};

export interface Rational {
  numerator: bigint;
  denominator: bigint;
}

/** Monomial key → coefficient; a key is `name^power` factors joined by `*`, sorted; `''` is the constant term. */
type Polynomial = Map<string, Rational>;

export interface RationalFunction {
  numerator: Polynomial;
  denominator: Polynomial;
  /** Whether an irrational atom (pi, e, a square root) occurs: then a different form may still be equal. */
  irrational: boolean;
  /** Whether a free variable occurs. */
  variables: boolean;
}

class TooBig extends Error {}

function gcd(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a;
  let y = b < 0n ? -b : b;
  while (y !== 0n) [x, y] = [y, x % y];
  return x === 0n ? 1n : x;
}

export function makeRational(numerator: bigint, denominator: bigint): Rational {
  if (denominator === 0n) throw new TooBig('division by zero');
  const sign = denominator < 0n ? -1n : 1n;
  const divisor = gcd(numerator, denominator);
  const result = { numerator: (sign * numerator) / divisor, denominator: (sign * denominator) / divisor };
  if (
    bits(result.numerator) > rationalFunctionLimits.maxBits ||
    bits(result.denominator) > rationalFunctionLimits.maxBits
  ) {
    throw new TooBig('coefficient too large');
  }
  return result;
}

function bits(value: bigint): number {
  return (value < 0n ? -value : value).toString(16).length * 4;
}

const addRational = (a: Rational, b: Rational): Rational =>
  makeRational(a.numerator * b.denominator + b.numerator * a.denominator, a.denominator * b.denominator);
const multiplyRational = (a: Rational, b: Rational): Rational =>
  makeRational(a.numerator * b.numerator, a.denominator * b.denominator);

/** A JavaScript number as the exact decimal it was written as (`0.1` is 1/10, not the nearest double). */
export function rationalFromNumber(value: number): Rational | undefined {
  if (!Number.isFinite(value)) return undefined;
  const text = String(value);
  const match = /^(-?)(\d+)(?:\.(\d+))?(?:e([-+]\d+))?$/.exec(text);
  if (!match) return undefined;
  const [, sign = '', whole = '0', fraction = '', exponentText = '0'] = match;
  const exponent = Number(exponentText) - fraction.length;
  if (Math.abs(exponent) > 400) return undefined;
  const digits = BigInt(`${whole}${fraction}`) * (sign === '-' ? -1n : 1n);
  return exponent >= 0
    ? makeRational(digits * 10n ** BigInt(exponent), 1n)
    : makeRational(digits, 10n ** BigInt(-exponent));
}

function parseKey(key: string): Map<string, number> {
  const factors = new Map<string, number>();
  if (key === '') return factors;
  for (const factor of key.split('*')) {
    const caret = factor.lastIndexOf('^');
    factors.set(factor.slice(0, caret), Number(factor.slice(caret + 1)));
  }
  return factors;
}

function formatKey(factors: Map<string, number>): string {
  return [...factors.entries()]
    .filter(([, power]) => power !== 0)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, power]) => `${name}^${power}`)
    .join('*');
}

/** Product of two monomials; `√n` atoms squared become the whole number n (a coefficient). */
function multiplyMonomials(a: string, b: string): { key: string; coefficient: Rational } {
  const factors = parseKey(a);
  for (const [name, power] of parseKey(b)) factors.set(name, (factors.get(name) ?? 0) + power);
  let coefficient: Rational = { numerator: 1n, denominator: 1n };
  for (const [name, power] of factors) {
    if (power > rationalFunctionLimits.maxExponent) throw new TooBig('exponent too large');
    if (!name.startsWith('√')) continue;
    const radicand = BigInt(name.slice(1));
    coefficient = multiplyRational(coefficient, makeRational(radicand ** BigInt(Math.floor(power / 2)), 1n));
    factors.set(name, power % 2);
  }
  return { key: formatKey(factors), coefficient };
}

function addInto(target: Polynomial, key: string, coefficient: Rational): void {
  const previous = target.get(key);
  const sum = previous === undefined ? coefficient : addRational(previous, coefficient);
  if (sum.numerator === 0n) target.delete(key);
  else target.set(key, sum);
  if (target.size > rationalFunctionLimits.maxTerms) throw new TooBig('too many terms');
}

function addPolynomials(a: Polynomial, b: Polynomial, sign: 1n | -1n = 1n): Polynomial {
  const result: Polynomial = new Map(a);
  for (const [key, coefficient] of b) addInto(result, key, { ...coefficient, numerator: sign * coefficient.numerator });
  return result;
}

/** What building one canonical form found and spent; every product counts against `maxOperations`. */
interface State {
  irrational: boolean;
  variables: boolean;
  operations: number;
}

function multiplyPolynomials(a: Polynomial, b: Polynomial, state: State): Polynomial {
  state.operations += a.size * b.size;
  if (state.operations > rationalFunctionLimits.maxOperations) throw new TooBig('too much work');
  const result: Polynomial = new Map();
  for (const [keyA, coefficientA] of a) {
    for (const [keyB, coefficientB] of b) {
      const product = multiplyMonomials(keyA, keyB);
      addInto(result, product.key, multiplyRational(multiplyRational(coefficientA, coefficientB), product.coefficient));
    }
  }
  return result;
}

const constant = (value: Rational): Polynomial => (value.numerator === 0n ? new Map() : new Map([['', value]]));
const one = (): Polynomial => constant({ numerator: 1n, denominator: 1n });

interface Fraction {
  numerator: Polynomial;
  denominator: Polynomial;
}

function power(base: Polynomial, exponent: number, state: State): Polynomial {
  let result = one();
  let square = base;
  for (let remaining = exponent; remaining > 0; remaining = Math.floor(remaining / 2)) {
    if (remaining % 2 === 1) result = multiplyPolynomials(result, square, state);
    if (remaining > 1) square = multiplyPolynomials(square, square, state);
  }
  return result;
}

/** `n` as `k·√m`, square factors below 1000² pulled out (a larger one stays inside: then only sampling can tell). */
function simplifiedRoot(radicand: bigint): { outside: bigint; inside: bigint } {
  // The radicand is capped at 10^12, so plain numbers are exact here.
  let outside = 1;
  let inside = Number(radicand);
  for (let factor = 2; factor * factor <= inside && factor < 1000; factor += 1) {
    while (inside % (factor * factor) === 0) {
      inside /= factor * factor;
      outside *= factor;
    }
  }
  return { outside: BigInt(outside), inside: BigInt(inside) };
}

function squareRoot(argument: Fraction): Fraction {
  // Only √(whole number) and √(a/b) = √(ab)/b become atoms; anything else is not a rational function.
  const top = argument.numerator;
  const bottom = argument.denominator;
  const topValue = top.size === 0 ? { numerator: 0n, denominator: 1n } : top.size === 1 ? top.get('') : undefined;
  const bottomValue = bottom.size === 1 ? bottom.get('') : undefined;
  if (topValue === undefined || bottomValue === undefined) throw new TooBig('root of an expression');
  const value = makeRational(
    topValue.numerator * bottomValue.denominator,
    topValue.denominator * bottomValue.numerator,
  );
  if (value.numerator < 0n) throw new TooBig('root of a negative number');
  const radicand = value.numerator * value.denominator;
  if (radicand > rationalFunctionLimits.maxRadicand) throw new TooBig('radicand too large');
  const { outside, inside } = simplifiedRoot(radicand);
  const coefficient = makeRational(outside, value.denominator);
  const numerator: Polynomial = inside === 1n ? constant(coefficient) : new Map([[`√${inside}^1`, coefficient]]);
  return { numerator, denominator: one() };
}

function integerValue(fraction: Fraction): number | undefined {
  const top = fraction.numerator;
  const bottom = fraction.denominator;
  if (bottom.size !== 1 || top.size > 1) return undefined;
  const topValue = top.size === 0 ? { numerator: 0n, denominator: 1n } : top.get('');
  const bottomValue = bottom.get('');
  if (topValue === undefined || bottomValue === undefined) return undefined;
  const value = makeRational(
    topValue.numerator * bottomValue.denominator,
    topValue.denominator * bottomValue.numerator,
  );
  return value.denominator === 1n ? Number(value.numerator) : undefined;
}

const atomNames: Readonly<Record<string, string>> = { pi: 'π', PI: 'π', e: 'ℯ', E: 'ℯ' };

function build(node: MathNode, state: State): Fraction {
  switch (node.type) {
    case 'ConstantNode': {
      const value = rationalFromNumber((node as ConstantNode).value as number);
      if (value === undefined) throw new TooBig('not an exact number');
      return { numerator: constant(value), denominator: one() };
    }
    case 'SymbolNode': {
      const name = (node as SymbolNode).name;
      const atom = atomNames[name];
      if (atom !== undefined) state.irrational = true;
      else state.variables = true;
      return { numerator: new Map([[`${atom ?? name}^1`, { numerator: 1n, denominator: 1n }]]), denominator: one() };
    }
    case 'ParenthesisNode':
      return build((node as ParenthesisNode).content, state);
    case 'OperatorNode': {
      const operator = node as OperatorNode;
      const args = operator.args.map((arg) => build(arg, state));
      const [a, b] = args;
      if (a === undefined) throw new TooBig('no operand');
      switch (operator.fn) {
        case 'unaryPlus':
          return a;
        case 'unaryMinus':
          return { numerator: addPolynomials(new Map(), a.numerator, -1n), denominator: a.denominator };
        case 'add':
        case 'subtract': {
          if (b === undefined) throw new TooBig('no operand');
          const sign = operator.fn === 'add' ? 1n : -1n;
          return {
            numerator: addPolynomials(
              multiplyPolynomials(a.numerator, b.denominator, state),
              multiplyPolynomials(b.numerator, a.denominator, state),
              sign,
            ),
            denominator: multiplyPolynomials(a.denominator, b.denominator, state),
          };
        }
        case 'multiply':
          if (b === undefined) throw new TooBig('no operand');
          return {
            numerator: multiplyPolynomials(a.numerator, b.numerator, state),
            denominator: multiplyPolynomials(a.denominator, b.denominator, state),
          };
        case 'divide':
          if (b === undefined || b.numerator.size === 0) throw new TooBig('division by zero');
          return {
            numerator: multiplyPolynomials(a.numerator, b.denominator, state),
            denominator: multiplyPolynomials(a.denominator, b.numerator, state),
          };
        case 'pow': {
          if (b === undefined) throw new TooBig('no operand');
          const exponent = integerValue(b);
          if (exponent === undefined) {
            const half = b.denominator.size === 1 && b.numerator.size === 1 ? exponentHalf(b) : undefined;
            if (half === undefined) throw new TooBig('exponent not an integer');
            state.irrational = true;
            const root = squareRoot(a);
            return { numerator: power(root.numerator, half, state), denominator: one() };
          }
          if (Math.abs(exponent) > rationalFunctionLimits.maxExponent) throw new TooBig('exponent too large');
          if (exponent < 0 && a.numerator.size === 0) throw new TooBig('division by zero');
          const raised = {
            numerator: power(a.numerator, Math.abs(exponent), state),
            denominator: power(a.denominator, Math.abs(exponent), state),
          };
          return exponent >= 0 ? raised : { numerator: raised.denominator, denominator: raised.numerator };
        }
        default:
          throw new TooBig(`operator ${operator.fn}`);
      }
    }
    case 'FunctionNode': {
      const call = node as FunctionNode;
      const name = (call.fn as SymbolNode).name;
      const [argument] = call.args;
      if (name !== 'sqrt' || call.args.length !== 1 || argument === undefined) throw new TooBig(`function ${name}`);
      state.irrational = true;
      return squareRoot(build(argument, state));
    }
    default:
      throw new TooBig(`node ${node.type}`);
  }
}

/** `k/2` for an exponent that is an odd multiple of one half (x^(3/2)), else undefined. */
function exponentHalf(fraction: Fraction): number | undefined {
  const top = fraction.numerator.get('');
  const bottom = fraction.denominator.get('');
  if (top === undefined || bottom === undefined || fraction.numerator.size !== 1) return undefined;
  const value = makeRational(top.numerator * bottom.denominator, top.denominator * bottom.numerator);
  if (
    value.denominator !== 2n ||
    value.numerator < 0n ||
    value.numerator > BigInt(rationalFunctionLimits.maxExponent)
  ) {
    return undefined;
  }
  return Number(value.numerator);
}

/** The canonical form of a parsed answer, or undefined when it is not a (bounded) rational function. */
export function rationalFunction(node: MathNode): RationalFunction | undefined {
  const state: State = { irrational: false, variables: false, operations: 0 };
  try {
    const { numerator, denominator } = build(node, state);
    return { numerator, denominator, irrational: state.irrational, variables: state.variables };
  } catch (error) {
    if (error instanceof TooBig || error instanceof RangeError) return undefined;
    throw error;
  }
}

/** Whether a/b = c/d as canonical forms (a·d − c·b is the zero polynomial); undefined past the caps. */
export function sameRationalFunction(a: RationalFunction, b: RationalFunction): boolean | undefined {
  const state: State = { irrational: false, variables: false, operations: 0 };
  try {
    const difference = addPolynomials(
      multiplyPolynomials(a.numerator, b.denominator, state),
      multiplyPolynomials(b.numerator, a.denominator, state),
      -1n,
    );
    return difference.size === 0;
  } catch (error) {
    if (error instanceof TooBig || error instanceof RangeError) return undefined;
    throw error;
  }
}

/** The value when the form is a plain rational number (no variables, no atoms). */
export function rationalValue(form: RationalFunction): Rational | undefined {
  if (form.variables || form.irrational) return undefined;
  const top = form.numerator.size === 0 ? { numerator: 0n, denominator: 1n } : form.numerator.get('');
  const bottom = form.denominator.get('');
  if (top === undefined || bottom === undefined || form.numerator.size > 1 || form.denominator.size !== 1) {
    return undefined;
  }
  return makeRational(top.numerator * bottom.denominator, top.denominator * bottom.numerator);
}

function formatRational(value: Rational): string {
  return value.denominator === 1n ? value.numerator.toString() : `${value.numerator}/${value.denominator}`;
}

function formatPolynomial(polynomial: Polynomial): string {
  if (polynomial.size === 0) return '0';
  return [...polynomial.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, coefficient]) => (key === '' ? formatRational(coefficient) : `${formatRational(coefficient)}*${key}`))
    .join(' + ');
}

/** A readable canonical form for `details` (numerator, and denominator when not 1). */
export function formatRationalFunction(form: RationalFunction): string {
  const denominator = formatPolynomial(form.denominator);
  const numerator = formatPolynomial(form.numerator);
  return denominator === '1' ? numerator : `(${numerator}) / (${denominator})`;
}
