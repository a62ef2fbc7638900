/** An exact rational number over BigInt, always reduced, denominator positive. */
export interface Rational {
  numerator: bigint;
  denominator: bigint;
}

/** Receives the division steps each gcd took (the only superlinear work) and may throw to stop a calculation. */
export interface GcdBudget {
  spend(steps: number): void;
}

const abs = (value: bigint) => (value < 0n ? -value : value);

function gcd(a: bigint, b: bigint, budget: GcdBudget | undefined): bigint {
  let x = abs(a);
  let y = abs(b);
  let steps = 0;
  while (y !== 0n) {
    [x, y] = [y, x % y];
    steps += 1;
  }
  budget?.spend(steps);
  return x;
}

export function rational(numerator: bigint, denominator = 1n): Rational {
  if (denominator === 0n) throw new RangeError('division by zero');
  const sign = denominator < 0n ? -1n : 1n;
  const divisor = gcd(numerator, denominator, undefined) || 1n;
  return { numerator: (sign * numerator) / divisor, denominator: (sign * denominator) / divisor };
}

/** Parses a decimal literal (`-12`, `7.25`, `1e3`, `2.5E-2`) exactly; exponents past ±400 are refused. */
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

/**
 * The four operations on reduced rationals, reducing with gcds of the smaller parts (Henrici): a big value
 * plus, times or over a small one costs one division, not a gcd of two big numbers. Every gcd reports its steps
 * to the budget.
 */
export class RationalArithmetic {
  private readonly budget: GcdBudget | undefined;

  constructor(budget?: GcdBudget) {
    this.budget = budget;
  }

  add(a: Rational, b: Rational): Rational {
    const common = gcd(a.denominator, b.denominator, this.budget);
    if (common === 1n) {
      return {
        numerator: a.numerator * b.denominator + b.numerator * a.denominator,
        denominator: a.denominator * b.denominator,
      };
    }
    const sum = a.numerator * (b.denominator / common) + b.numerator * (a.denominator / common);
    const divisor = gcd(sum, common, this.budget);
    if (sum === 0n) return { numerator: 0n, denominator: 1n };
    return { numerator: sum / divisor, denominator: (a.denominator / common) * (b.denominator / divisor) };
  }

  subtract(a: Rational, b: Rational): Rational {
    return this.add(a, { numerator: -b.numerator, denominator: b.denominator });
  }

  multiply(a: Rational, b: Rational): Rational {
    if (a.numerator === 0n || b.numerator === 0n) return { numerator: 0n, denominator: 1n };
    const first = gcd(a.numerator, b.denominator, this.budget);
    const second = gcd(b.numerator, a.denominator, this.budget);
    return {
      numerator: (a.numerator / first) * (b.numerator / second),
      denominator: (a.denominator / second) * (b.denominator / first),
    };
  }

  divide(a: Rational, b: Rational): Rational {
    if (b.numerator === 0n) throw new RangeError('division by zero');
    const sign = b.numerator < 0n ? -1n : 1n;
    return this.multiply(a, { numerator: sign * b.denominator, denominator: sign * b.numerator });
  }
}

/** Whether numerator or denominator reaches `bound` (10^digits): the size guard, in linear time. */
export function reaches(value: Rational, bound: bigint): boolean {
  return abs(value.numerator) >= bound || value.denominator >= bound;
}

const MIN_NORMAL_DOUBLE = 2.2250738585072014e-308;

/** `|value|` rounded (half up) to `significant` digits: d1.d2d3… × 10^exponent, `digits` = "d1d2d3…". */
function roundedDigits(value: Rational, significant: number): { digits: string; exponent: number } {
  const numerator = abs(value.numerator);
  const { denominator } = value;
  const scaled = (power: number) => {
    const top = power >= 0 ? numerator * 10n ** BigInt(power) : numerator;
    const bottom = power >= 0 ? denominator : denominator * 10n ** BigInt(-power);
    return (2n * top + bottom) / (2n * bottom);
  };
  // The quotient's leading digit sits at this power of ten or the one below.
  let exponent = numerator.toString().length - denominator.toString().length;
  let digits = scaled(significant - 1 - exponent).toString();
  if (digits.length < significant) {
    exponent -= 1;
    digits = scaled(significant - 1 - exponent).toString();
  }
  // Rounding carried into one more digit (9.99… → 10.0…).
  if (digits.length > significant) {
    digits = digits.slice(0, significant);
    exponent += 1;
  }
  return { digits, exponent };
}

/** From |x| ≥ 0.001 (20 decimals keep ≥ 17 significant digits) values print as the calculator always printed them. */
const KEPT_FORMAT_FLOOR = 10n ** 17n;

/**
 * Integers exactly as digits. From 0.001 to the double range, 20 decimals truncated and then a double, as the
 * calculator has always printed (the shipped tinylm weights were pretrained on these outputs: rounding them
 * would change ~5% of the demonstrations' last digits). Smaller values as JavaScript prints the nearest double,
 * and past the range of normal doubles (|x| ≥ 1.8e308 or < 2.2e-308) in scientific form with 17 significant
 * digits (`3.3333333333333333e+399`).
 */
export function formatRational(value: Rational): string {
  if (value.denominator === 1n) return value.numerator.toString();
  const whole = (value.numerator * 10n ** 20n) / value.denominator;
  if (abs(whole) >= KEPT_FORMAT_FLOOR) {
    const kept = Number(whole) / 1e20;
    if (Number.isFinite(kept)) return String(kept);
  }
  const sign = value.numerator < 0n ? '-' : '';
  const near = roundedDigits(value, 20);
  const double = Number(`${near.digits}e${near.exponent - 19}`);
  if (Number.isFinite(double) && double >= MIN_NORMAL_DOUBLE) return `${sign}${String(double)}`;
  const { digits, exponent } = roundedDigits(value, 17);
  const mantissa = digits.replace(/0+$/, '');
  const fraction = mantissa.length > 1 ? `.${mantissa.slice(1)}` : '';
  return `${sign}${mantissa[0]}${fraction}e${exponent < 0 ? '-' : '+'}${Math.abs(exponent)}`;
}
