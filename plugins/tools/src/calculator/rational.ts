/** An exact rational number over BigInt, always reduced, denominator positive. */
export interface Rational {
  numerator: bigint;
  denominator: bigint;
}

const abs = (value: bigint) => (value < 0n ? -value : value);

function gcd(a: bigint, b: bigint): bigint {
  let x = abs(a);
  let y = abs(b);
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
}

export function rational(numerator: bigint, denominator = 1n): Rational {
  if (denominator === 0n) throw new RangeError('division by zero');
  const sign = denominator < 0n ? -1n : 1n;
  const divisor = gcd(numerator, denominator) || 1n;
  return { numerator: (sign * numerator) / divisor, denominator: (sign * denominator) / divisor };
}

/** Parses a decimal literal (`-12`, `7.25`, `1e3`, `2.5E-2`) exactly. */
export function parseDecimal(text: string): Rational | undefined {
  const match =
    /^([+-]?)(\d+)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text.trim()) ??
    /^([+-]?)()\.(\d+)(?:[eE]([+-]?\d+))?$/.exec(text.trim());
  if (!match) return undefined;
  const [, sign, whole = '', fraction = '', exponentText] = match;
  const exponent = Number(exponentText ?? 0);
  if (!Number.isFinite(exponent) || Math.abs(exponent) > 400) return undefined;
  let numerator = BigInt(`${whole || '0'}${fraction}`);
  let denominator = 10n ** BigInt(fraction.length);
  if (exponent > 0) numerator *= 10n ** BigInt(exponent);
  if (exponent < 0) denominator *= 10n ** BigInt(-exponent);
  return rational(sign === '-' ? -numerator : numerator, denominator);
}

export function add(a: Rational, b: Rational): Rational {
  return rational(a.numerator * b.denominator + b.numerator * a.denominator, a.denominator * b.denominator);
}

export function subtract(a: Rational, b: Rational): Rational {
  return rational(a.numerator * b.denominator - b.numerator * a.denominator, a.denominator * b.denominator);
}

export function multiply(a: Rational, b: Rational): Rational {
  return rational(a.numerator * b.numerator, a.denominator * b.denominator);
}

export function divide(a: Rational, b: Rational): Rational {
  if (b.numerator === 0n) throw new RangeError('division by zero');
  return rational(a.numerator * b.denominator, a.denominator * b.numerator);
}

/** Digits in the larger of numerator and denominator: a guard against runaway sizes. */
export function size(value: Rational): number {
  return Math.max(abs(value.numerator).toString().length, value.denominator.toString().length);
}

/** Integers exactly as digits; anything else as JavaScript prints the nearest double. */
export function formatRational(value: Rational): string {
  if (value.denominator === 1n) return value.numerator.toString();
  // Scale so the quotient keeps 20 significant digits before converting to a double.
  const scale = 10n ** 20n;
  const whole = (value.numerator * scale) / value.denominator;
  return String(Number(whole) / 1e20);
}
